using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>One charger of a lot, live: link, plugged car (by name only if it is the owner's fleet car), SoC, kW, grid, command.</summary>
public sealed record LotRow(
    Guid EvseId,
    string Name,
    bool Online,
    bool Plugged,
    string? Vehicle,
    double? SocPercent,
    double PowerKw,
    bool AllowsDischarge,
    GridRules Grid,
    string GridText,
    CommandState? Command,
    string? CommandReason)
{
    /// <summary>
    /// What the bay does for the event in force, in one line for the lot's manager: "Discharging 5.0 kW for Evening
    /// Peak", "Refused: The battery is at or below the floor …", "Stopped: …" — or null when no event concerns it.
    /// </summary>
    public string? Activity { get; init; }

    /// <summary>The bay's car was refused or stopped for the event in force: the manager should see why.</summary>
    public bool NeedsAttention { get; init; }

    /// <summary>What the live link speaks ("signalr", "ocpp2.1", "ocpp2.0.1"); null when offline.</summary>
    public string? Transport { get; init; }

    /// <summary>What the owner should know of an OCPP station itself (its certificate ending, EVSEs that are not chargers here); null when nothing.</summary>
    public string? StationNote { get; init; }

    /// <summary>The link in a word or two: "online", "online (OCPP 2.1)", "offline".</summary>
    public string LinkText => !Online ? "offline" : Transport switch
    {
        "ocpp2.1" => "online (OCPP 2.1)",
        "ocpp2.0.1" => "online (OCPP 2.0.1)",
        _ => "online",
    };

    /// <summary>The grid forbids export right now (cease to energize, disconnect, limit 0) or the charger is not integrated.</summary>
    public bool GridBlocks => !Grid.IsIntegratedAt(DateTimeOffset.UtcNow) || Grid.Energize == false || Grid.Connect == false || Grid.ExportLimitPercent <= 0;
}

/// <summary>The owner's live view of a site's chargers. Private drivers' cars show as "a car", never by name.</summary>
public sealed class LotDashboard(PortalDbContext db, EvseConnections connections, GridRulesFeed grid, PowerHistory history, Microsoft.Extensions.Options.IOptions<Ocpp.OcppOptions> ocpp)
{
    /// <summary>Charge and discharge kW per hour over the last 24 hours for the site; null when it is not the owner's.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset Hour, double ChargeKw, double DischargeKw)>?> PowerAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        if (!await db.Sites.AnyAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken))
        {
            return null;
        }

        return history.Hourly(await db.Evses.AsNoTracking().Where(e => e.SiteId == siteId).Select(e => e.Id).ToListAsync(cancellationToken));
    }

    /// <summary>
    /// Energy discharged per day over the last week at the site's chargers, kWh, days on the site's clock (oldest first,
    /// every day present, today last).
    /// </summary>
    public async Task<IReadOnlyList<(DateOnly Day, double Kwh)>> EnergyPerDayAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        var site = await db.Sites.AsNoTracking().Where(s => s.Id == siteId && s.OwnerId == ownerId).Select(s => s.TimeZoneId).SingleOrDefaultAsync(cancellationToken);
        if (site is null)
        {
            return [];
        }

        var zone = Presentation.Clock.Zone(site);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        var since = DateTimeOffset.UtcNow.AddDays(-8);
        var commands = await (from c in db.DischargeCommands.AsNoTracking()
                              join e in db.Evses.AsNoTracking() on c.EvseId equals e.Id
                              where e.SiteId == siteId && c.StartedAt != null
                              select c).ToListAsync(cancellationToken);
        var byDay = commands.Where(c => (c.EndedAt ?? DateTimeOffset.UtcNow) >= since)
            .GroupBy(c => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(c.StartedAt!.Value, zone).DateTime))
            .ToDictionary(g => g.Key, g => Math.Round(g.Sum(Drivers.DriverHistory.Energy), 2));
        return Enumerable.Range(0, 7).Select(i => today.AddDays(i - 6)).Select(d => (d, byDay.GetValueOrDefault(d))).ToList();
    }

    /// <summary>Energy discharged at the site today (on the site's clock), kWh; 0 when it is not the owner's.</summary>
    public async Task<double> EnergyTodayAsync(string ownerId, Guid siteId, CancellationToken cancellationToken) =>
        (await EnergyPerDayAsync(ownerId, siteId, cancellationToken)).LastOrDefault().Kwh;

    /// <summary>
    /// The latest IEEE 1547 alarm an OCPP station raised (NotifyDERAlarm) and has not ended, and any DER control it was
    /// told to hold and does not: what the owner must know about the charger's grid behaviour. From the station's facts
    /// on its link, wherever it is held.
    /// </summary>
    public static string StationAlarmText(Ocpp.OcppStationFacts? station, TimeZoneInfo zone)
    {
        var text = "";
        if (station is { AlarmControlType: { } control })
        {
            text += $" · Charger alarm: {control}{(station.AlarmFault is { } fault ? $" ({fault})" : "")}{(station.AlarmSince is { } since ? $" since {Presentation.Clock.Time(since, zone)}" : "")}";
        }

        if (station is { DerMissing: { } missing })
        {
            text += $" · Charger does not hold {missing}: sent again";
        }

        return text;
    }

    /// <summary>
    /// What the owner should know of an OCPP station itself: its certificate (profile 3) ending within
    /// <paramref name="renewWithinDays"/> (30 at least) and what it answered when asked to renew it; EVSEs of the station
    /// other than the charger's, which report but are not chargers of the portal (their cars charge on the station's
    /// terms). Null when nothing.
    /// </summary>
    public static string? StationNoteText(Ocpp.OcppStationFacts? station, TimeZoneInfo zone, int renewWithinDays, DateTimeOffset now)
    {
        if (station is null)
        {
            return null;
        }

        var notes = new List<string>();
        if (station.CertificateEnds is { } ends && ends - now <= TimeSpan.FromDays(Math.Max(renewWithinDays, 30)))
        {
            notes.Add($"Its certificate ends {Presentation.Clock.DateTime(ends, zone)}" + station.RenewalAnswer switch
            {
                "Accepted" => ": the station was asked to renew it.",
                { } answer => $": asked to renew it, the station answered {answer}. Renew it with the station's operator.",
                null => ": renew it with the station's operator.",
            });
        }

        if (station.OtherEvses is { } others)
        {
            notes.Add(others.Contains(',', StringComparison.Ordinal)
                ? $"Its EVSEs {others} are not chargers here: cars there charge on the station's terms and never discharge."
                : $"Its EVSE {others} is not a charger here: cars there charge on the station's terms and never discharge.");
        }

        return notes.Count == 0 ? null : string.Join(" ", notes);
    }

    public static string EvseGridStateText(Hubs.StatusMessage? status) => status?.GridState switch
    {
        Domain.Mediation.EvseGridState.Tripped => " The charger tripped off the grid (voltage or frequency out of limits).",
        Domain.Mediation.EvseGridState.EnteringService => " The charger is entering service again (the utility's enter-service delay).",
        _ => "",
    };

    public async Task<IReadOnlyList<LotRow>?> RowsAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken);
        if (site is null)
        {
            return null;
        }

        var zone = Discharge.MediationFacts.Zone(site.TimeZoneId);
        var evses = await db.Evses.AsNoTracking().Where(e => e.SiteId == siteId).OrderBy(e => e.Name).ToListAsync(cancellationToken);
        var ids = evses.Select(e => e.Id).ToList();
        var commands = (await db.DischargeCommands.AsNoTracking().Where(c => ids.Contains(c.EvseId)).OrderByDescending(c => c.CreatedAt).ToListAsync(cancellationToken))
            .GroupBy(c => c.EvseId).ToDictionary(g => g.Key, g => g.First());
        var fleet = await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == ownerId).ToDictionaryAsync(v => v.Identifier, v => v.Name, StringComparer.OrdinalIgnoreCase, cancellationToken);

        // The events in force, and the refusals at these chargers for them: a refused car must show why, not an empty cell.
        var now = DateTimeOffset.UtcNow;
        var inForce = await (from ev in db.ProgramEvents.AsNoTracking()
                             join p in db.DischargePrograms.AsNoTracking() on ev.ProgramId equals p.Id
                             where ev.CancelledAt == null && ev.End > now && ev.Start <= now
                             select new { ev.Id, p.Name }).ToDictionaryAsync(x => x.Id, x => x.Name, cancellationToken);
        var inForceIds = inForce.Keys.ToList();
        var refusals = (await db.EventDecisions.AsNoTracking()
                .Where(d => d.EvseId != null && ids.Contains(d.EvseId.Value) && inForceIds.Contains(d.EventId) && !d.Accepted)
                .ToListAsync(cancellationToken))
            .GroupBy(d => d.EvseId!.Value).ToDictionary(g => g.Key, g => g.OrderByDescending(d => d.DecidedAt).First());

        return evses.Select(e =>
        {
            var live = connections.Get(e.Id);
            var rules = grid.Get(e.Id);
            var command = commands.GetValueOrDefault(e.Id);
            var identifier = live?.VehicleIdentifier;
            var ownCar = identifier is not null && fleet.ContainsKey(identifier);
            var refusal = live?.Status?.Plugged == true ? refusals.GetValueOrDefault(e.Id) : null;
            var (activity, attention) = Activity(command, refusal, inForce, ownCar);
            return new LotRow(
                e.Id,
                e.Name,
                live is not null,
                live?.Status?.Plugged == true,
                identifier is null ? null : fleet.GetValueOrDefault(identifier, "a car"),
                live?.Status?.SocPercent,
                live?.Status?.PowerKw ?? 0,
                e.OwnerAllowsDischarge,
                rules,
                GridStatusText.Describe(rules, zone) + EvseGridStateText(live?.Status) + StationAlarmText(live?.Station, zone),
                command?.State,
                command?.ReasonText)
            {
                Activity = activity,
                NeedsAttention = attention,
                Transport = live?.Link.Transport,
                StationNote = StationNoteText(live?.Station, zone, ocpp.Value.RenewCertificateDays, now),
            };
        }).ToList();
    }

    /// <summary>
    /// The bay's line for the manager: a live command; else the stop or refusal for an event in force, with its reason —
    /// the driver's own words for the owner's fleet car, the catalogue's general meaning for anyone else's (their floor
    /// and settings are theirs).
    /// </summary>
    private static (string? Text, bool Attention) Activity(DischargeCommand? command, EventDecision? refusal, Dictionary<Guid, string> inForce, bool ownCar)
    {
        string Why(Reason r) => ownCar ? r.Text : ReasonCatalog.Of(r.Code).Meaning;
        if (command is { IsLive: true })
        {
            return (command.State == CommandState.Running
                ? $"Discharging {command.Kw:0.0} kW for {command.ProgramName}"
                : $"Starting: {command.State.ToString().ToLowerInvariant()} for {command.ProgramName}", false);
        }

        var stoppedInForce = command is { IsTerminal: true } && inForce.ContainsKey(command.EventId);
        if (refusal is not null && (!stoppedInForce || refusal.DecidedAt >= (command!.EndedAt ?? command.CreatedAt)))
        {
            return ($"Refused for {inForce[refusal.EventId]}: {string.Join(" ", refusal.Reasons.Select(Why))}", true);
        }

        if (stoppedInForce)
        {
            var reason = command!.EndReason is { } entry ? (ownCar ? command.ReasonText ?? entry.Meaning : entry.Meaning) : command.ReasonText;
            return ($"{command.State} for {command.ProgramName}{(reason is null ? "" : ": " + reason)}", command.State != CommandState.Completed);
        }

        return (null, false);
    }
}
