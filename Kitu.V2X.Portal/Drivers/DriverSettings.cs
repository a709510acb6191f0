using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Discharge;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>A departure as the settings form edits it (one per weekday, optional).</summary>
public sealed class DepartureForm
{
    public DayOfWeek Day { get; set; }

    public bool Enabled { get; set; }

    public TimeSpan? Time { get; set; } = new(7, 30, 0);

    public double TargetSocPercent { get; set; } = 80;
}

/// <summary>An allowed window as the settings form edits it.</summary>
public sealed class WindowForm
{
    public TimeSpan? Start { get; set; } = new(17, 0, 0);

    public TimeSpan? End { get; set; } = new(21, 0, 0);
}

/// <summary>A car's discharge settings as the driver edits them.</summary>
public sealed class SettingsForm
{
    public bool Consent { get; set; }

    public double SocFloorPercent { get; set; } = DischargePreferences.DefaultSocFloorPercent;

    public List<DepartureForm> Departures { get; set; } = [];

    public List<WindowForm> Windows { get; set; } = [];

    public bool OnlyTrustedChargers { get; set; }

    public List<Guid> TrustedEvseIds { get; set; } = [];

    public DateTimeOffset? NotTodayUntil { get; set; }

    public string TimeZoneId { get; set; } = "UTC";
}

/// <summary>A charger the driver may trust: those at the driver's own sites and those the car was seen at.</summary>
public sealed record TrustableCharger(Guid EvseId, string Name, string SiteName);

/// <summary>
/// The driver's discharge settings per car: consent, SoC floor, departures, "not today", allowed windows, trusted
/// chargers. Every call checks the car is the driver's; validation errors are returned by field, nothing is saved.
/// A change reaches a running discharge at once (the mediator decides again).
/// </summary>
public sealed class DriverSettings(PortalDbContext db, DischargeMediator mediator, TimeProvider time)
{
    public async Task<SettingsForm?> LoadAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken)
    {
        if (!await OwnsAsync(driverId, vehicleId, cancellationToken))
        {
            return null;
        }

        var p = await db.DischargePreferences.AsNoTracking().SingleOrDefaultAsync(x => x.VehicleId == vehicleId, cancellationToken)
            ?? new DischargePreferences { VehicleId = vehicleId };
        var trusted = p.TrustedEvseIds.Count > 0 ? p.TrustedEvseIds : await HomeChargersAsync(driverId, vehicleId, cancellationToken);
        return new SettingsForm
        {
            Consent = p.Consent,
            SocFloorPercent = p.SocFloorPercent,
            Departures = [.. Enum.GetValues<DayOfWeek>().Select(day => p.DepartureOn(day) is { } d
                ? new DepartureForm { Day = day, Enabled = true, Time = d.Time.ToTimeSpan(), TargetSocPercent = d.TargetSocPercent }
                : new DepartureForm { Day = day })],
            Windows = [.. p.AllowedWindows.Select(w => new WindowForm { Start = w.Start.ToTimeSpan(), End = w.End.ToTimeSpan() })],
            OnlyTrustedChargers = p.OnlyTrustedChargers,
            TrustedEvseIds = [.. trusted],
            NotTodayUntil = p.NotTodayUntil,
            TimeZoneId = p.TimeZoneId,
        };
    }

    /// <summary>Validates and saves; returns the errors by field ("floor", "departure.Monday", "window.0"…), empty when saved.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(string driverId, Guid vehicleId, SettingsForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await OwnsAsync(driverId, vehicleId, cancellationToken))
        {
            return new Dictionary<string, string> { ["vehicle"] = DriverVehicles.NotYours };
        }

        var errors = Validate(form);
        if (errors.Count > 0)
        {
            return errors;
        }

        var p = await db.DischargePreferences.SingleOrDefaultAsync(x => x.VehicleId == vehicleId, cancellationToken);
        if (p is null)
        {
            p = new DischargePreferences { VehicleId = vehicleId };
            db.DischargePreferences.Add(p);
        }

        p.Consent = form.Consent;
        p.SocFloorPercent = Math.Round(form.SocFloorPercent);
        p.Departures = [.. form.Departures.Where(d => d.Enabled).Select(d => new Departure(d.Day, TimeOnly.FromTimeSpan(d.Time!.Value), Math.Round(d.TargetSocPercent)))];
        p.AllowedWindows = [.. form.Windows.Select(w => new DailyWindow(TimeOnly.FromTimeSpan(w.Start!.Value), TimeOnly.FromTimeSpan(w.End!.Value)))];
        p.OnlyTrustedChargers = form.OnlyTrustedChargers;
        p.TrustedEvseIds = [.. form.TrustedEvseIds.Distinct()];
        p.NotTodayUntil = form.NotTodayUntil;
        p.TimeZoneId = TimeZoneInfo.TryFindSystemTimeZoneById(form.TimeZoneId, out _) ? form.TimeZoneId : "UTC";
        await db.SaveChangesAsync(cancellationToken);

        // New settings may turn a refusal into a yes (or the other way): decide again now, not at the next retry.
        await db.EventDecisions.Where(d => d.VehicleId == vehicleId && !d.Accepted)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.RetryAt, time.GetUtcNow()), cancellationToken);
        await mediator.PassNowAsync(cancellationToken);
        return errors;
    }

    /// <summary>"Not today": no discharge until the driver's next local midnight.</summary>
    public async Task<bool> NotTodayAsync(string driverId, Guid vehicleId, bool on, CancellationToken cancellationToken)
    {
        var form = await LoadAsync(driverId, vehicleId, cancellationToken);
        if (form is null)
        {
            return false;
        }

        var zone = MediationFacts.Zone(form.TimeZoneId);
        var local = TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone);
        var midnight = new DateTimeOffset(local.Date.AddDays(1), zone.GetUtcOffset(local.Date.AddDays(1)));
        form.NotTodayUntil = on ? midnight : null;
        return (await SaveAsync(driverId, vehicleId, form, cancellationToken)).Count == 0;
    }

    /// <summary>Chargers the driver can mark trusted: at the driver's own sites, or where this car has been.</summary>
    public async Task<IReadOnlyList<TrustableCharger>> TrustableAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken)
    {
        var seenAt = await db.DischargeCommands.AsNoTracking().Where(c => c.VehicleId == vehicleId).Select(c => c.EvseId)
            .Concat(db.EventDecisions.AsNoTracking().Where(d => d.VehicleId == vehicleId && d.EvseId != null).Select(d => d.EvseId!.Value))
            .Distinct().ToListAsync(cancellationToken);
        return await (from e in db.Evses.AsNoTracking()
                      join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                      where s.OwnerId == driverId || seenAt.Contains(e.Id)
                      orderby s.Name, e.Name
                      select new TrustableCharger(e.Id, e.Name, s.Name)).ToListAsync(cancellationToken);
    }

    /// <summary>The trusted set by default: chargers at the driver's own home, and the home charger the car is plugged into.</summary>
    private async Task<List<Guid>> HomeChargersAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken)
    {
        var own = await (from e in db.Evses.AsNoTracking() join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                         where s.OwnerId == driverId && s.Kind == SiteKind.Home
                         select e.Id).ToListAsync(cancellationToken);
        var seenAtHome = await (from d in db.EventDecisions.AsNoTracking()
                                join e in db.Evses.AsNoTracking() on d.EvseId equals e.Id
                                join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                                where d.VehicleId == vehicleId && s.Kind == SiteKind.Home
                                select e.Id).Distinct().ToListAsync(cancellationToken);
        return [.. own.Concat(seenAtHome).Distinct()];
    }

    public static Dictionary<string, string> Validate(SettingsForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = new Dictionary<string, string>();
        if (form.SocFloorPercent is < 10 or > 90 || !double.IsFinite(form.SocFloorPercent))
        {
            errors["floor"] = "Choose a floor between 10 % and 90 %.";
        }

        foreach (var d in form.Departures.Where(d => d.Enabled))
        {
            if (d.Time is null)
            {
                errors[$"departure.{d.Day}"] = $"Give a departure time for {d.Day}, or switch that day off.";
            }
            else if (d.TargetSocPercent is < 10 or > 100)
            {
                errors[$"departure.{d.Day}"] = $"The target for {d.Day} must be between 10 % and 100 %.";
            }
            else if (d.TargetSocPercent < form.SocFloorPercent)
            {
                errors[$"departure.{d.Day}"] = $"The {d.TargetSocPercent:0} % target for {d.Day} is below your {form.SocFloorPercent:0} % floor; raise the target or lower the floor.";
            }
        }

        for (var i = 0; i < form.Windows.Count; i++)
        {
            var w = form.Windows[i];
            if (w.Start is null || w.End is null)
            {
                errors[$"window.{i}"] = "Give each allowed window a start and an end.";
            }
            else if (w.Start == w.End)
            {
                errors[$"window.{i}"] = "A window that starts when it ends allows nothing; remove it instead.";
            }
        }

        if (form.Windows.Count > 6)
        {
            errors["windows"] = "At most six allowed windows.";
        }

        if (form.OnlyTrustedChargers && form.TrustedEvseIds.Count == 0)
        {
            errors["trusted"] = "Choose at least one trusted charger, or allow any charger.";
        }

        return errors;
    }

    private Task<bool> OwnsAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken) =>
        db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken);
}
