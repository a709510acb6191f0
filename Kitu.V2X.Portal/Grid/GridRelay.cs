using System.Text.Json;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using StackExchange.Redis;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The grid layer across instances, on the Redis channel <c>kitu:grid</c>: the instance holding the <see cref="GridLease"/>
/// runs the 2030.5 sessions and tells the others every EVSE's rules; the others tell it what only they know — a
/// binding changed on their pages, an EVSE's status or its own client's report from a link they hold, a poll an owner
/// asked for. Grid facts only, by EVSE id: nothing of the consumer side crosses here. Without <c>Redis:Configuration</c>
/// (one instance) it does nothing. Messages are parsed defensively: size-limited, malformed or unknown ones dropped.
/// </summary>
public sealed partial class GridRelay(Telemetry.PortalInstance instance, ScaleOut.RedisBus bus, ILogger<GridRelay> logger) : BackgroundService
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("kitu:grid");

    /// <summary>The largest message taken: the bus's limit, room for rules with every curve in force and a full schedule.</summary>
    public const int MaxMessageBytes = ScaleOut.RedisBus.MaxMessageBytes;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Several instances are configured (Redis).</summary>
    public bool Enabled => bus.Enabled;

    /// <summary>Completes once the relay listens (at once without Redis).</summary>
    public Task Ready => Enabled ? ready.Task : Task.CompletedTask;

    /// <summary>The holder told an EVSE's rules; <c>Polled</c>: the answer to a poll asked for.</summary>
    public event Action<GridRules, bool>? RulesArrived;

    /// <summary>A binding (or an EVSE's identity) changed on another instance: read it again.</summary>
    public event Func<Guid, Task>? BindingChanged;

    /// <summary>An EVSE's capabilities (its hello) changed on another instance: its session sends them again.</summary>
    public event Func<Guid, Task>? CapabilitiesChanged;

    /// <summary>A server's settings changed on another instance: its sessions start again.</summary>
    public event Func<Guid, Task>? ServerChanged;

    /// <summary>An owner asked another instance for a poll now.</summary>
    public event Action<Guid>? PollAsked;

    /// <summary>An EVSE's status, from the instance holding its link.</summary>
    public event Action<Guid, DerDeviceStatus>? StatusArrived;

    /// <summary>What an EVSE's own 2030.5 client reported, from the instance holding its link.</summary>
    public event Action<Guid, ResidentReport>? ResidentReported;

    /// <summary>An instance started or came back: the holder tells it every EVSE's rules.</summary>
    public event Action? RulesAsked;

    public void Rules(GridRules rules, bool polled = false) => Publish(new Message { Kind = polled ? "polled" : "rules", Rules = rules });

    public void Binding(Guid evseId) => Publish(new Message { Kind = "binding", Evse = evseId });

    public void Capabilities(Guid evseId) => Publish(new Message { Kind = "capabilities", Evse = evseId });

    public void Server(Guid serverId) => Publish(new Message { Kind = "server", Server = serverId });

    public void Poll(Guid evseId) => Publish(new Message { Kind = "poll", Evse = evseId });

    public void Status(Guid evseId, DerDeviceStatus status) => Publish(new Message { Kind = "status", Evse = evseId, Status = status });

    public void Resident(Guid evseId, ResidentReport report) => Publish(new Message { Kind = "resident", Evse = evseId, Resident = report });

    public void AskForRules() => Publish(new Message { Kind = "ask" });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        bus.Restored += AskForRules; // the rules may have moved on meanwhile
        try
        {
            await bus.SubscribeAsync(Channel, TakeAsync, stoppingToken); // in order, one at a time
            ready.TrySetResult();
            AskForRules(); // started after the holder: it tells this instance every EVSE's rules
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            bus.Restored -= AskForRules;
        }
    }

    private async Task TakeAsync(RedisValue value)
    {
        try
        {
            var bytes = (byte[]?)value;
            if (bytes is null || bytes.Length > MaxMessageBytes || JsonSerializer.Deserialize<Message>(bytes, Json) is not { } message
                || message.From is not { Length: > 0 and <= 200 } from || from == instance.Id)
            {
                return;
            }

            switch (message.Kind)
            {
                case "rules" or "polled" when message.Rules is { } rules && rules.EvseId != Guid.Empty:
                    RulesArrived?.Invoke(rules, message.Kind == "polled");
                    break;
                case "binding" when BindingChanged is { } changed && message.Evse != Guid.Empty:
                    await changed(message.Evse);
                    break;
                case "capabilities" when CapabilitiesChanged is { } changed && message.Evse != Guid.Empty:
                    await changed(message.Evse);
                    break;
                case "server" when ServerChanged is { } changed && message.Server is { } server:
                    await changed(server);
                    break;
                case "poll" when message.Evse != Guid.Empty:
                    PollAsked?.Invoke(message.Evse);
                    break;
                case "status" when message.Status is { } status && message.Evse != Guid.Empty:
                    StatusArrived?.Invoke(message.Evse, status);
                    break;
                case "resident" when message.Resident is { } report && message.Evse != Guid.Empty:
                    ResidentReported?.Invoke(message.Evse, report);
                    break;
                case "ask":
                    RulesAsked?.Invoke();
                    break;
                default:
                    break; // a kind this version does not know
            }
        }
        catch (JsonException ex)
        {
            LogMalformed(ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException or Microsoft.EntityFrameworkCore.DbUpdateException or ObjectDisposedException)
        {
            LogFailed(ex.GetBaseException().Message);
        }
    }

    private void Publish(Message message)
    {
        if (!Enabled || !bus.IsConnected)
        {
            return; // one instance: nobody to tell; out of touch: dropped, the holder's rules come again when asked
        }

        message.From = instance.Id;
        bus.Publish(Channel, JsonSerializer.SerializeToUtf8Bytes(message, Json));
    }

    [LoggerMessage(LogLevel.Warning, "A malformed message on kitu:grid was dropped: {Reason}")]
    private partial void LogMalformed(string reason);

    [LoggerMessage(LogLevel.Warning, "A message on kitu:grid could not be applied: {Reason}")]
    private partial void LogFailed(string reason);

    /// <summary>One message on the relay; only the fields of its kind are set.</summary>
    private sealed class Message
    {
        public string? Kind { get; set; }

        public string? From { get; set; }

        public Guid Evse { get; set; }

        public Guid? Server { get; set; }

        public GridRules? Rules { get; set; }

        public DerDeviceStatus? Status { get; set; }

        public ResidentReport? Resident { get; set; }
    }
}
