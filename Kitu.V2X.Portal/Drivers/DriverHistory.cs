using System.Globalization;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>One line of the driver's history: a discharge (with energy and pay) or a refusal (with its reasons).</summary>
public sealed record HistoryRow(DateTimeOffset At, string Car, string Program, string Charger, string Outcome, double Kwh, decimal Pay, string Detail);

/// <summary>The driver's discharges and refusals, their energy and pay, a weekly total and a CSV export — only their cars.</summary>
public sealed class DriverHistory(PortalDbContext db)
{
    public async Task<IReadOnlyList<HistoryRow>> ListAsync(string driverId, CancellationToken cancellationToken)
    {
        var cars = await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == driverId).ToDictionaryAsync(v => v.Id, v => v.Name, cancellationToken);
        var ids = cars.Keys.ToList();
        var commands = await (from c in db.DischargeCommands.AsNoTracking()
                              join p in db.DischargePrograms.AsNoTracking() on c.ProgramId equals p.Id
                              join e in db.Evses.AsNoTracking() on c.EvseId equals e.Id
                              where ids.Contains(c.VehicleId)
                              select new { c, p.Name, p.CompensationPerKwh, Charger = e.Name }).ToListAsync(cancellationToken);
        // Every refusal is in the audit trail (a decision row is overwritten when the car is decided again).
        var refusals = await (from a in db.AuditEntries.AsNoTracking()
                              join p in db.DischargePrograms.AsNoTracking() on a.ProgramId equals p.Id
                              where a.VehicleId != null && ids.Contains(a.VehicleId.Value) && a.Outcome == "refused"
                              select new { a, p.Name }).ToListAsync(cancellationToken);
        var refusedAt = refusals.Select(x => x.a.EvseId).OfType<Guid>().Distinct().ToList();
        var evseNames = await db.Evses.AsNoTracking().Where(e => refusedAt.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);

        var rows = commands.Select(x =>
        {
            var kwh = Energy(x.c);
            return new HistoryRow(x.c.StartedAt ?? x.c.CreatedAt, cars[x.c.VehicleId], x.Name, x.Charger, Describe(x.c), kwh, Math.Round((decimal)kwh * x.CompensationPerKwh, 2), x.c.ReasonText ?? "");
        }).Concat(refusals.Select(x => new HistoryRow(x.a.At, cars[x.a.VehicleId!.Value], x.Name, x.a.EvseId is { } e ? evseNames.GetValueOrDefault(e, "") : "", "refused", 0, 0, string.Join(" ", x.a.Reasons.Select(r => r.Text)))));
        return rows.OrderByDescending(r => r.At).ToList();
    }

    /// <summary>Energy discharged, kWh: the commanded power over the time it ran.</summary>
    public static double Energy(DischargeCommand c) =>
        c.StartedAt is { } start ? Math.Round(c.Kw * Math.Max(0, ((c.EndedAt ?? DateTimeOffset.UtcNow) - start).TotalHours), 3) : 0;

    public static string Csv(IEnumerable<HistoryRow> rows)
    {
        var csv = new StringBuilder("time_utc,car,program,charger,outcome,kwh,pay,reasons\n");
        foreach (var r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.At.UtcDateTime:yyyy-MM-dd HH:mm:ss},{Field(r.Car)},{Field(r.Program)},{Field(r.Charger)},{Field(r.Outcome)},{r.Kwh:0.###},{r.Pay:0.00},{Field(r.Detail)}\n");
        }

        return csv.ToString();
    }

    /// <summary>kWh per ISO week (Monday first), oldest first, for the weekly chart.</summary>
    public static IReadOnlyList<(string Week, double Kwh)> Weekly(IEnumerable<HistoryRow> rows) =>
        rows.Where(r => r.Kwh > 0)
            .GroupBy(r => $"{ISOWeek.GetYear(r.At.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(r.At.UtcDateTime):00}")
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, Math.Round(g.Sum(r => r.Kwh), 2)))
            .ToList();

    private static string Describe(DischargeCommand c) => c.State switch
    {
        CommandState.Running => "discharging",
        CommandState.Completed => "completed",
        CommandState.Stopped => "stopped",
        CommandState.Rejected => "rejected by the charger",
        CommandState.NotFollowed => "not followed",
        CommandState.Interrupted => "interrupted",
        _ => "starting",
    };

    // Quote every field; double inner quotes; neutralise spreadsheet formulas.
    private static string Field(string value)
    {
        var safe = value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;
        return "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
