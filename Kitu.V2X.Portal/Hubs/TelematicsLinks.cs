using System.Collections.Concurrent;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// The live OEM telematics links, one per operator (a new connection replaces the old), and the latest report per
/// command from the cars behind them. Reports are kept only while their command may still be live.
/// </summary>
public sealed class TelematicsLinks
{
    private readonly ConcurrentDictionary<Guid, string> links = new();
    private readonly ConcurrentDictionary<Guid, (Guid OperatorId, VehicleReportMessage Report, DateTimeOffset At)> reports = new();

    /// <summary>An operator's link came up.</summary>
    public event Action<Guid>? Connected;

    /// <summary>An operator's link was lost.</summary>
    public event Action<Guid>? Disconnected;

    public string? ConnectionOf(Guid operatorId) => links.GetValueOrDefault(operatorId);

    public bool IsOnline(Guid operatorId) => links.ContainsKey(operatorId);

    public void Add(Guid operatorId, string connectionId)
    {
        links[operatorId] = connectionId;
        Connected?.Invoke(operatorId);
    }

    public void Remove(Guid operatorId, string connectionId)
    {
        if (links.TryRemove(new KeyValuePair<Guid, string>(operatorId, connectionId)))
        {
            Disconnected?.Invoke(operatorId);
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
