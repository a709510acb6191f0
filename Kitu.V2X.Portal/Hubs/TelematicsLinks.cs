using System.Collections.Concurrent;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// The live OEM telematics links, one per operator (a new connection replaces the old), and the latest report per
/// command from the cars behind them. Reports are kept only while their command may still be live. With several
/// instances a link may be held by another one (<see cref="AddElsewhere"/>, from the link bridge): the portal reaches its
/// connection through SignalR's backplane all the same.
/// </summary>
public sealed class TelematicsLinks
{
    private readonly ConcurrentDictionary<Guid, (string ConnectionId, string? Instance)> links = new();
    private readonly ConcurrentDictionary<Guid, (Guid OperatorId, VehicleReportMessage Report, DateTimeOffset At)> reports = new();

    /// <summary>An operator's link came up (here or on another instance).</summary>
    public event Action<Guid>? Connected;

    /// <summary>An operator's link was lost.</summary>
    public event Action<Guid>? Disconnected;

    /// <summary>A link held here came up (its operator, its connection): the link bridge tells the others.</summary>
    public event Action<Guid, string>? UpHere;

    /// <summary>A link held here went.</summary>
    public event Action<Guid, string>? DownHere;

    /// <summary>
    /// Where a report goes for a command this instance does not run (the mediator runs on another): the link bridge
    /// passes it on. Unset (one instance): nowhere.
    /// </summary>
    public Func<Guid, VehicleReportMessage, bool>? Elsewhere { get; set; }

    public string? ConnectionOf(Guid operatorId) => links.TryGetValue(operatorId, out var link) ? link.ConnectionId : null;

    public bool IsOnline(Guid operatorId) => links.ContainsKey(operatorId);

    /// <summary>This instance holds the operator's link.</summary>
    public bool IsHere(Guid operatorId) => links.TryGetValue(operatorId, out var link) && link.Instance is null;

    /// <summary>The links held here: operator, connection.</summary>
    public IEnumerable<(Guid OperatorId, string ConnectionId)> Here =>
        links.Where(l => l.Value.Instance is null).Select(l => (l.Key, l.Value.ConnectionId));

    public void Add(Guid operatorId, string connectionId)
    {
        links[operatorId] = (connectionId, null);
        UpHere?.Invoke(operatorId, connectionId);
        Connected?.Invoke(operatorId);
    }

    /// <summary>Another instance holds this operator's link (its newest connection replaces any older one, here too).</summary>
    public void AddElsewhere(Guid operatorId, string connectionId, string instance)
    {
        if (links.TryGetValue(operatorId, out var known) && known == (connectionId, instance))
        {
            return; // announced again: nothing new
        }

        links[operatorId] = (connectionId, instance);
        Connected?.Invoke(operatorId);
    }

    public void Remove(Guid operatorId, string connectionId)
    {
        if (links.TryGetValue(operatorId, out var link) && link.ConnectionId == connectionId
            && links.TryRemove(new KeyValuePair<Guid, (string, string?)>(operatorId, link)))
        {
            if (link.Instance is null)
            {
                DownHere?.Invoke(operatorId, connectionId);
            }

            Disconnected?.Invoke(operatorId);
        }
    }

    /// <summary>Drops the links another instance held (it stopped or fell silent): their clouds reconnect elsewhere.</summary>
    public void RemoveHeldBy(string instance)
    {
        foreach (var (operatorId, link) in links.Where(l => l.Value.Instance == instance).ToList())
        {
            Remove(operatorId, link.ConnectionId);
        }
    }

    /// <summary>At most this many reports are kept: a link cannot grow the portal's memory without bound.</summary>
    public const int MaxReports = 100_000;

    /// <summary>Keeps a car's latest report for its command; false when the store is full.</summary>
    public bool Report(Guid operatorId, VehicleReportMessage report, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (reports.Count >= MaxReports && !reports.ContainsKey(report.CommandId))
        {
            return false;
        }

        reports[report.CommandId] = (operatorId, report, at);
        return true;
    }

    /// <summary>The latest report for a command, if it came over the link that carries it.</summary>
    public VehicleReportMessage? LatestReport(Guid commandId, Guid? carriedBy) =>
        reports.TryGetValue(commandId, out var r) && r.OperatorId == carriedBy ? r.Report : null;

    /// <summary>Commands the cars report discharging for, with the operator whose link carries them.</summary>
    public IEnumerable<(Guid OperatorId, VehicleReportMessage Report)> Discharging =>
        reports.Values.Where(r => r.Report.PowerKw < 0).Select(r => (r.OperatorId, r.Report));

    public void Forget(Guid commandId) => reports.TryRemove(commandId, out _);
}
