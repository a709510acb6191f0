using System.Text.Json;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Hubs;
using StackExchange.Redis;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>What the bridge takes from the other instances: their links' news, and orders for its own links.</summary>
public sealed partial class LinkBridge
{
    /// <summary>How long a command handed to an own link for another instance is remembered (its answers are passed on): longer than any event.</summary>
    private static readonly TimeSpan RelayedFor = TimeSpan.FromHours(26);

    /// <summary>The kinds of message; anything else is dropped.</summary>
    public static class Kinds
    {
        public const string Up = "up";
        public const string Down = "down";
        public const string Beat = "beat";
        public const string Hello = "hello";
        public const string Bye = "bye";
        public const string Answer = "answer";
        public const string ClaimAnswer = "claim-answer";
        public const string Discharge = "discharge";
        public const string Stop = "stop";
        public const string Rules = "rules";
        public const string Policy = "policy";
        public const string Server = "server";
        public const string Abort = "abort";
        public const string Claim = "claim";
        public const string TelematicsUp = "t-up";
        public const string TelematicsDown = "t-down";
        public const string TelematicsReport = "t-report";
    }

    private void Take(RedisValue value, bool news)
    {
        try
        {
            var bytes = (byte[]?)value;
            if (bytes is null || bytes.Length > MaxMessageBytes || JsonSerializer.Deserialize<Message>(bytes, Json) is not { } message
                || message.From is not { Length: > 0 and <= 200 } from || from == instance.Id
                || message.ConnectionId is { Length: > 200 } || message.Transport is { Length: > 20 } || message.Vehicle is { Length: > 64 }
                || message.RejectCode is { Length: > 64 } || message.Station is { IsWellFormed: false })
            {
                return;
            }

            Interlocked.Increment(ref received);
            heard[from] = time.GetUtcNow();
            if (news)
            {
                TakeNews(from, message);
            }
            else
            {
                TakeOrder(message);
            }
        }
        catch (JsonException ex)
        {
            LogMalformed(ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            LogFailed(ex.Message); // a link that closed meanwhile
        }
    }

    private void TakeNews(string from, Message message)
    {
        switch (message.Kind)
        {
            case Kinds.Up when message is { Evse: var evse, ConnectionId: { Length: > 0 } connectionId } && evse != Guid.Empty:
                var current = connections.Get(evse);
                if (current is null || current.ConnectionId != connectionId)
                {
                    if (current is not null && current.Since > message.Since)
                    {
                        return; // news of an older link: the EVSE has reconnected since
                    }

                    current = new LiveEvse(evse, new RemoteEvseLink(this, evse, from, connectionId, message.Transport ?? "signalr", message.CarriesDischarge), message.Since);
                    connections.Add(current); // a link to this EVSE held here, or elsewhere, is stale: dropped
                }

                var before = (current.Status, current.Station);
                current.Station = message.Station; // before the status: the pages it nudges read both
                connections.Mirror(current, message.Hello, message.Status, message.Accepted, message.Claimed, time.GetUtcNow());
                if (message.Status is { } status && (status != before.Status || message.Station != before.Station))
                {
                    notifier.EvseStatus(evse, status); // this instance's pages: the status crosses Redis once, here
                }

                break;
            case Kinds.Down when message.ConnectionId is { Length: > 0 } connectionId:
                if (connections.Get(message.Evse) is { IsLocal: false })
                {
                    connections.Remove(message.Evse, connectionId);
                }

                break;
            case Kinds.Hello:
                AnnounceAll(); // a new instance, or one back in touch: it learns this instance's links
                break;
            case Kinds.Bye:
                heard.TryRemove(from, out _);
                DropLinksOf(from);
                break;
            case Kinds.Answer when message.CommandId is { } commandId:
                var answer = new CommandAnswer(commandId, message.At ?? time.GetUtcNow(), message.RejectCode);
                _ = message.Operator is { } maker ? inbox.FromElsewhere(ProgramExecutor.Ev, maker, answer) : inbox.FromElsewhere(ProgramExecutor.Evse, message.Evse, answer);
                break;
            case Kinds.ClaimAnswer when message.VehicleId is { } vehicleId:
                claims.AnsweredElsewhere(message.Evse, vehicleId, message.ItIsMe);
                break;
            default:
                TakeTelematicsNews(from, message); // a maker's link; or a beat, or a kind this version does not know
                break;
        }
    }

    private void TakeOrder(Message message)
    {
        if (connections.Get(message.Evse) is not { IsLocal: true } live || live.ConnectionId != message.ConnectionId)
        {
            LogStale(message.Kind ?? "", message.Evse);
            return; // sent to a link that has gone since: the sender hears of it (down)
        }

        var link = live.Link;
        switch (message.Kind)
        {
            case Kinds.Discharge when message.Discharge is { } command:
                relayed[command.CommandId] = (live.EvseId, time.GetUtcNow());
                _ = link.DischargeAsync(command);
                break;
            case Kinds.Stop when message.Stop is { } stop:
                _ = link.StopAsync(stop);
                break;
            case Kinds.Rules when message.Rules is { } rules:
                _ = link.GridRulesAsync(rules);
                break;
            case Kinds.Policy when message.Policy is { } policy:
                _ = link.OwnerPolicyAsync(policy);
                break;
            case Kinds.Server when message.Server is { } server:
                _ = link.GridServerAsync(server);
                break;
            case Kinds.Abort:
                link.Abort();
                break;
            case Kinds.Claim when message.Vehicle is { Length: > 0 } vehicle:
                connections.Claim(live.EvseId, vehicle);
                break;
            default:
                break;
        }
    }

    /// <summary>Drops the links of instances not heard of for the lease time: their EVSEs reconnect elsewhere.</summary>
    private void DropSilent()
    {
        var now = time.GetUtcNow();
        foreach (var (other, at) in heard)
        {
            if (now - at > silence && heard.TryRemove(new KeyValuePair<string, DateTimeOffset>(other, at)))
            {
                LogSilent(other, silence.TotalSeconds);
                DropLinksOf(other);
            }
        }
    }

    private void DropLinksOf(string other)
    {
        telematics.RemoveHeldBy(other);
        foreach (var live in connections.All.Where(l => l.Link is RemoteEvseLink r && r.Instance == other).ToList())
        {
            connections.Remove(live.EvseId, live.ConnectionId);
        }
    }

    private void ForgetOldCommands()
    {
        var before = time.GetUtcNow() - RelayedFor;
        foreach (var (commandId, to) in relayed)
        {
            if (to.At < before)
            {
                relayed.TryRemove(commandId, out _);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "A malformed message on the link bridge was dropped: {Reason}")]
    private partial void LogMalformed(string reason);

    [LoggerMessage(LogLevel.Warning, "A link bridge message could not be applied: {Reason}")]
    private partial void LogFailed(string reason);

    [LoggerMessage(LogLevel.Debug, "A '{Kind}' for EVSE {EvseId} arrived for a link that has gone")]
    private partial void LogStale(string kind, Guid evseId);

    [LoggerMessage(LogLevel.Warning, "Instance {Instance} was silent for {Seconds} s: its EVSE links are dropped here")]
    private partial void LogSilent(string instance, double seconds);

    [LoggerMessage(LogLevel.Debug, "Could not say goodbye on the link bridge: the others drop this instance's links when it falls silent")]
    private partial void LogByeFailed();

    /// <summary>One message on the bridge, news or order; only the fields of its kind are set.</summary>
    public sealed class Message
    {
        public string? Kind { get; set; }

        public string? From { get; set; }

        public Guid Evse { get; set; }

        public string? ConnectionId { get; set; }

        public string? Transport { get; set; }

        public bool CarriesDischarge { get; set; }

        public DateTimeOffset Since { get; set; }

        public HelloMessage? Hello { get; set; }

        public StatusMessage? Status { get; set; }

        public string? Accepted { get; set; }

        public string? Claimed { get; set; }

        /// <summary>What an OCPP station says of itself for its owner's page.</summary>
        public Ocpp.OcppStationFacts? Station { get; set; }

        public Guid? CommandId { get; set; }

        public DateTimeOffset? At { get; set; }

        public string? RejectCode { get; set; }

        public Guid? VehicleId { get; set; }

        public bool ItIsMe { get; set; }

        public string? Vehicle { get; set; }

        public DischargeCommandMessage? Discharge { get; set; }

        public StopMessage? Stop { get; set; }

        public GridRulesMessage? Rules { get; set; }

        public OwnerPolicyMessage? Policy { get; set; }

        public GridServerMessage? Server { get; set; }

        /// <summary>A car maker's operator whose telematics link the message is about.</summary>
        public Guid? Operator { get; set; }

        public VehicleReportMessage? Report { get; set; }
    }
}
