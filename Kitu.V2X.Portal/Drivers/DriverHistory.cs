using System.Globalization;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>One line of the driver's history: a discharge (with energy and pay) or a refusal (with its reasons).</summary>
public sealed record HistoryRow(DateTimeOffset At, string Car, string Program, string Charger, string Outcome, double Kwh, decimal Pay, string Detail, string Currency = "USD");

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
                              select new { c, p.Name, p.CompensationPerKwh, p.Currency, Charger = e.Name }).ToListAsync(cancellationToken);
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
            return new HistoryRow(x.c.StartedAt ?? x.c.CreatedAt, cars[x.c.VehicleId], x.Name, x.Charger, Describe(x.c), kwh, Math.Round((decimal)kwh * x.CompensationPerKwh, 2), x.c.ReasonText ?? "", x.Currency);
        }).Concat(refusals.Select(x => new HistoryRow(x.a.At, cars[x.a.VehicleId!.Value], x.Name, x.a.EvseId is { } e ? evseNames.GetValueOrDefault(e, "") : "", "refused", 0, 0, string.Join(" ", x.a.Reasons.Select(r => r.Text)))));
        return rows.OrderByDescending(r => r.At).ToList();
    }

    /// <summary>The zone the driver reads times in: the one set with their cars' discharge settings (UTC when none).</summary>
    public async Task<TimeZoneInfo> ZoneAsync(string driverId, CancellationToken cancellationToken) =>
        Presentation.Clock.Zone(await (from p in db.DischargePreferences.AsNoTracking()
                                       join v in db.Vehicles.AsNoTracking() on p.VehicleId equals v.Id
                                       where v.OwnerId == driverId
                                       orderby v.Name
                                       select p.TimeZoneId).FirstOrDefaultAsync(cancellationToken));

    /// <summary>
    /// Energy discharged, kWh: as measured by the executor over the command's life; for a command from before
    /// measurements were kept, the commanded power over the time it ran.
    /// </summary>
    public static double Energy(DischargeCommand c) =>
        c.DischargedKwh > 0 ? Math.Round(c.DischargedKwh, 3)
        : c.StartedAt is { } start && c.MeasuredAt is null ? Math.Round(c.Kw * Math.Max(0, ((c.EndedAt ?? DateTimeOffset.UtcNow) - start).TotalHours), 3) : 0;

    public static string Csv(IEnumerable<HistoryRow> rows)
    {
        var csv = new StringBuilder("time_utc,car,program,charger,outcome,kwh,pay,currency,reasons\n");
        foreach (var r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.At.UtcDateTime:yyyy-MM-dd HH:mm:ss},{Field(r.Car)},{Field(r.Program)},{Field(r.Charger)},{Field(r.Outcome)},{r.Kwh:0.###},{r.Pay:0.00},{r.Currency},{Field(r.Detail)}\n");
        }

        return csv.ToString();
    }

    /// <summary>
    /// kWh per week (Monday first, on the driver's clock) for the last <paramref name="weeks"/> weeks, oldest first, each
    /// labelled by its Monday ("Nov 23"); weeks without discharge are there with 0 so the chart's spacing is true.
    /// </summary>
    public static IReadOnlyList<(string Week, double Kwh)> Weekly(IEnumerable<HistoryRow> rows, TimeZoneInfo zone, DateTimeOffset now, int weeks = 8)
    {
        static DateOnly Monday(DateTimeOffset at, TimeZoneInfo zone)
        {
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
            return day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        }

        var sums = rows.Where(r => r.Kwh > 0).GroupBy(r => Monday(r.At, zone)).ToDictionary(g => g.Key, g => g.Sum(r => r.Kwh));
        var last = Monday(now, zone);
        return Enumerable.Range(0, weeks).Select(i => last.AddDays(-7 * (weeks - 1 - i)))
            .Select(monday => (monday.ToString("MMM d", CultureInfo.InvariantCulture), Math.Round(sums.GetValueOrDefault(monday), 2)))
            .ToList();
    }

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
