using StackExchange.Redis;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// The portal's one connection to Redis for its own channels — the live pages' changes (<see cref="ChangeRelay"/>),
/// the EVSE links (<see cref="LinkBridge"/>) and the grid layer (<see cref="Grid.GridRelay"/>): connected on first use,
/// it returns while Redis is down and reconnects by itself, and tells <see cref="ScaleOutStatus"/> whether this
/// instance is in touch. A channel's messages are handed over one at a time, in the order they were published.
/// SignalR's backplane keeps a connection of its own. Without <c>Redis:Configuration</c> nothing here is used.
/// </summary>
public sealed partial class RedisBus(ScaleOutStatus status, IConfiguration configuration, ILogger<RedisBus> logger) : IAsyncDisposable
{
    /// <summary>
    /// The largest message sent or taken on the portal's channels: room for an EVSE's grid rules with every IEEE 1547
    /// curve in force and a schedule of <see cref="Domain.GridSecurity.Ieee2030_5.ControlSelector.MaxScheduled"/>
    /// events, each with its own curves — about 250 KB as JSON (GridRulesSizeTests), so four times that. The grid relay
    /// and the link bridge both carry rules, so both use this one limit.
    /// </summary>
    public const int MaxMessageBytes = 1024 * 1024;

    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim connecting = new(1, 1);
    private ConnectionMultiplexer? redis;

    /// <summary>Several instances are configured (Redis).</summary>
    public bool Enabled => status.Configured;

    /// <summary>The link to Redis is up now.</summary>
    public bool IsConnected => redis?.IsConnected == true;

    /// <summary>The link came back after a loss: what the others may have missed meanwhile can be told again.</summary>
    public event Action? Restored;

    /// <summary>
    /// Listens on <paramref name="channel"/>, handing each message to <paramref name="take"/> in order; while Redis cannot
    /// be reached, tries again every 5 s until it can or <paramref name="cancellationToken"/> ends the wait.
    /// </summary>
    public async Task SubscribeAsync(RedisChannel channel, Func<RedisValue, Task> take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(take);
        var connection = await ConnectAsync(cancellationToken);
        while (true)
        {
            try
            {
                (await connection.GetSubscriber().SubscribeAsync(channel)).OnMessage(m => take(m.Message));
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogNotYet(channel.ToString(), ex.Message);
                await Task.Delay(RetryEvery, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Sends without waiting; dropped while out of touch (each user has its way to catch up once back), and refused
    /// with a warning when larger than <see cref="MaxMessageBytes"/> — the others would drop it unread.
    /// </summary>
    public void Publish(RedisChannel channel, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length > MaxMessageBytes)
        {
            LogNotSent(channel.ToString(), $"{message.Length} bytes, over the {MaxMessageBytes} allowed");
            return;
        }

        if (redis is { IsConnected: true } connection)
        {
            connection.GetSubscriber().Publish(channel, message, CommandFlags.FireAndForget);
        }
    }

    /// <summary>Sends and waits until Redis has it (a last word before stopping); false when out of touch or too slow.</summary>
    public async Task<bool> PublishAsync(RedisChannel channel, byte[] message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (redis is not { IsConnected: true } connection)
        {
            return false;
        }

        try
        {
            await connection.GetSubscriber().PublishAsync(channel, message).WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            LogNotSent(channel.ToString(), ex.Message);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (redis is { } connection)
        {
            await connection.DisposeAsync();
        }

        connecting.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        await connecting.WaitAsync(cancellationToken);
        try
        {
            if (redis is null)
            {
                var options = ConfigurationOptions.Parse(configuration["Redis:Configuration"]!);
                options.AbortOnConnectFail = false; // returns while Redis is down; reconnects in the background
                options.ClientName ??= "kitu-v2x-portal";
                var connection = await ConnectionMultiplexer.ConnectAsync(options);
                connection.ConnectionFailed += (_, _) => status.Set(connection.IsConnected);
                connection.ConnectionRestored += (_, _) =>
                {
                    status.Set(connection.IsConnected);
                    Restored?.Invoke();
                };
                status.Set(connection.IsConnected);
                redis = connection;
            }

            return redis;
        }
        finally
        {
            connecting.Release();
        }
    }

    [LoggerMessage(LogLevel.Warning, "Listening on {Channel} waits for Redis: {Reason}")]
    private partial void LogNotYet(string channel, string reason);

    [LoggerMessage(LogLevel.Warning, "A message on {Channel} was not sent: {Reason}")]
    private partial void LogNotSent(string channel, string reason);
}
