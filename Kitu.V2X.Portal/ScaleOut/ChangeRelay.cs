using System.Text.Json;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Telemetry;
using StackExchange.Redis;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// Live pages across instances: a change to commands or decisions that one instance's <see cref="MediatorNotifier"/>
/// hears (the mediator's instance) goes out on the Redis channel <c>kitu:changes</c>, and every other instance hands it
/// to its own pages' watches. A charger's status does not go this way: the link bridge carries every status to every
/// instance already, and hands it to the pages there (<see cref="LinkBridge"/>). Runs only with
/// <c>Redis:Configuration</c>. Messages from Redis are parsed defensively (size-limited, malformed ones dropped).
/// </summary>
public sealed partial class ChangeRelay(MediatorNotifier notifier, PortalInstance instance, RedisBus bus, ILogger<ChangeRelay> logger) : BackgroundService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("kitu:changes");

    /// <summary>The largest message taken from the channel.</summary>
    public const int MaxMessageBytes = 16 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Messages taken from other instances (for tests and metrics).</summary>
    public long Received => Interlocked.Read(ref received);

    private long received;
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the relay listens on the channel and sends this instance's changes.</summary>
    public Task Ready => ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        notifier.ChangedHere += OnChanged;
        try
        {
            // Redis may be gone at start: the portal serves meanwhile (readiness says so), and the bus keeps trying.
            await bus.SubscribeAsync(Channel, value =>
            {
                Take(value);
                return Task.CompletedTask;
            }, stoppingToken);
            ready.TrySetResult();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            notifier.ChangedHere -= OnChanged;
        }
    }

    private void OnChanged(ChangeScope scope) => Publish(new Message
    {
        From = instance.Id,
        Everything = scope.IsEverything,
        Evses = [.. scope.Evses],
        Vehicles = [.. scope.Vehicles],
        Programs = [.. scope.Programs],
        Events = [.. scope.Events],
    });

    private void Publish(Message message) => bus.Publish(Channel, JsonSerializer.SerializeToUtf8Bytes(message, Json));

    private void Take(RedisValue value)
    {
        try
        {
            var bytes = (byte[]?)value;
            if (bytes is null || bytes.Length > MaxMessageBytes || JsonSerializer.Deserialize<Message>(bytes, Json) is not { } message || message.From == instance.Id)
            {
                return;
            }

            Interlocked.Increment(ref received);
            var scope = message.Everything ? ChangeScope.Everything : new ChangeScope();
            foreach (var id in message.Evses ?? [])
            {
                scope.Add(evse: id);
            }

            foreach (var id in message.Vehicles ?? [])
            {
                scope.Add(vehicle: id);
            }

            foreach (var id in message.Programs ?? [])
            {
                scope.Add(program: id);
            }

            foreach (var id in message.Events ?? [])
            {
                scope.Add(programEvent: id);
            }

            if (!scope.IsEmpty)
            {
                notifier.CommandsChangedElsewhere(scope);
            }
        }
        catch (JsonException ex)
        {
            LogMalformed(ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "A malformed message on kitu:changes was dropped: {Reason}")]
    private partial void LogMalformed(string reason);

    /// <summary>One change, as it crosses Redis.</summary>
    private sealed class Message
    {
        public string From { get; set; } = "";

        public bool Everything { get; set; }

        public Guid[]? Evses { get; set; }

        public Guid[]? Vehicles { get; set; }

        public Guid[]? Programs { get; set; }

        public Guid[]? Events { get; set; }
    }
}
