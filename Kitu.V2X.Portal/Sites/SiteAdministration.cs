using System.Globalization;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>A site as its owner edits it, with its policies.</summary>
public sealed class SiteForm
{
    public Guid? Id { get; set; }

    public string Name { get; set; } = "";

    public string? Address { get; set; }

    public SiteKind Kind { get; set; } = SiteKind.Home;

    public string UtilityName { get; set; } = "";

    public string TimeZoneId { get; set; } = "America/Los_Angeles";

    public double? SocFloorPercent { get; set; }

    public TimeSpan? AllowedFrom { get; set; }

    public TimeSpan? AllowedTo { get; set; }

    public double? MaxExportKw { get; set; }
}

/// <summary>A charger as its owner adds it.</summary>
public sealed class EvseForm
{
    public string Name { get; set; } = "";

    public CurrentType Current { get; set; } = CurrentType.Dc;

    public double RatedChargeKw { get; set; } = 11;

    public double RatedDischargeKw { get; set; } = 11;

    public string? Make { get; set; }

    public string? Model { get; set; }

    public string? SerialNumber { get; set; }

    /// <summary>The charger speaks OCPP 2.1 (or 2.0.1) to the portal's gateway rather than the portal's own protocol.</summary>
    public bool SpeaksOcpp { get; set; }

    /// <summary>For an OCPP charger: its charging station identity (often its serial number).</summary>
    public string? OcppStationId { get; set; }
}

/// <summary>What a charger needs to connect, shown once after provisioning or rotating its secret.</summary>
public sealed record EvseCredentials(Guid EvseId, string Name, string Secret, string HubUrl, string? OcppStationId = null)
{
    /// <summary>For an OCPP charger: the CSMS URL it is configured with (it appends its station id).</summary>
    public string? OcppUrl => OcppStationId is null ? null : OcppUrlFor(HubUrl);

    /// <summary>The connection details as one line for the charger's QR code.</summary>
    public string QrText => OcppStationId is null
        ? $"kitu-evse:v1;hub={HubUrl};id={EvseId:D};secret={Secret}"
        : $"kitu-ocpp:v1;csms={OcppUrl};id={OcppStationId};password={Secret}";

    /// <summary>The gateway's URL on the host the owner reached the portal at: wss:// for https, ws:// only for a plain demo.</summary>
    public static string OcppUrlFor(string hubUrl)
    {
        var hub = new Uri(hubUrl);
        return new UriBuilder(hub) { Scheme = hub.Scheme == Uri.UriSchemeHttps ? "wss" : "ws", Path = Ocpp.OcppEndpoint.PathPrefix, Port = hub.IsDefaultPort ? -1 : hub.Port }.Uri.ToString().TrimEnd('/');
    }
}

/// <summary>One row of a CSV import report.</summary>
public sealed record ImportLine(int Line, string Name, string? Error);

/// <summary>
/// The site owner's sites and chargers: create and edit sites with their policies, add chargers (the secret for the
/// live connection is returned once), rotate a secret, remove a charger, import and export chargers as CSV. Every
/// call is scoped to the owner; someone else's site or charger is "not found".
/// </summary>
public sealed class SiteAdministration(PortalDbContext db, EvseProvisioning provisioning, GridBindingService grid, SiteAudit audit, EvseConnections connections)
{
    public const string NotYours = "Site or charger not found among yours.";
    public const string CsvHeader = "name,current,rated_charge_kw,rated_discharge_kw,make,model,serial";
    private const int MaxImportLines = 5_000;

    public async Task<IReadOnlyList<Site>> SitesAsync(string ownerId, CancellationToken cancellationToken) =>
        await db.Sites.AsNoTracking().Where(s => s.OwnerId == ownerId).OrderBy(s => s.Name).ToListAsync(cancellationToken);

    public async Task<SiteForm?> LoadAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        var s = await db.Sites.AsNoTracking().SingleOrDefaultAsync(x => x.Id == siteId && x.OwnerId == ownerId, cancellationToken);
        return s is null ? null : new SiteForm
        {
            Id = s.Id,
            Name = s.Name,
            Address = s.Address,
            Kind = s.Kind,
            UtilityName = s.UtilityName,
            TimeZoneId = s.TimeZoneId,
            SocFloorPercent = s.Policy.SocFloorPercent,
            AllowedFrom = s.Policy.AllowedHours?.Start.ToTimeSpan(),
            AllowedTo = s.Policy.AllowedHours?.End.ToTimeSpan(),
            MaxExportKw = s.Policy.MaxExportKw,
        };
    }

    /// <summary>Validates and saves a site; returns the errors by field, empty when saved (the form's Id is set).</summary>
    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(string ownerId, SiteForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(form.Name) || form.Name.Trim().Length > 100)
        {
            errors[nameof(form.Name)] = "Give the site a name of up to 100 characters.";
        }

        if (string.IsNullOrWhiteSpace(form.UtilityName) || form.UtilityName.Trim().Length > 100)
        {
            errors[nameof(form.UtilityName)] = "Name the utility that supplies the site.";
        }

        if (form.Address?.Length > 300)
        {
            errors[nameof(form.Address)] = "The address is at most 300 characters.";
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(form.TimeZoneId, out _))
        {
            errors[nameof(form.TimeZoneId)] = "Choose a time zone such as Europe/Helsinki or America/Los_Angeles.";
        }

        if (form.SocFloorPercent is { } floor && (!double.IsFinite(floor) || floor is < 0 or > 90))
        {
            errors[nameof(form.SocFloorPercent)] = "A site floor is between 0 % and 90 %, or empty.";
        }

        if (form.MaxExportKw is { } export && (!double.IsFinite(export) || export is <= 0 or > 100_000))
        {
            errors[nameof(form.MaxExportKw)] = "A site export limit is above 0 kW, or empty.";
        }

        if ((form.AllowedFrom is null) != (form.AllowedTo is null) || (form.AllowedFrom is { } f && f == form.AllowedTo))
        {
            errors["AllowedHours"] = "Give allowed hours a different start and end, or leave both empty.";
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        Site? site;
        if (form.Id is { } id)
        {
            site = await db.Sites.SingleOrDefaultAsync(s => s.Id == id && s.OwnerId == ownerId, cancellationToken);
            if (site is null)
            {
                return new Dictionary<string, string> { ["site"] = NotYours };
            }
        }
        else
        {
            site = new Site { OwnerId = ownerId, Name = "", UtilityName = "" };
            db.Sites.Add(site);
        }

        site.Name = form.Name.Trim();
        site.Address = form.Address?.Trim();
        site.Kind = form.Kind;
        site.UtilityName = form.UtilityName.Trim();
        site.TimeZoneId = form.TimeZoneId;
        site.Policy = new SitePolicy
        {
            SocFloorPercent = form.SocFloorPercent,
            MaxExportKw = form.MaxExportKw,
            AllowedHours = form.AllowedFrom is { } from && form.AllowedTo is { } to ? new DailyWindow(TimeOnly.FromTimeSpan(from), TimeOnly.FromTimeSpan(to)) : null,
        };
        audit.Record(site.Id, ownerId, $"Site saved: floor {form.SocFloorPercent?.ToString("0", CultureInfo.InvariantCulture) ?? "none"}, export limit {form.MaxExportKw?.ToString("0.#", CultureInfo.InvariantCulture) ?? "none"}, hours {site.Policy.AllowedHours?.ToString() ?? "any"}");
        await db.SaveChangesAsync(cancellationToken);
        form.Id = site.Id;
        return errors;
    }

    /// <summary>Adds a charger to the owner's site and issues its secret; an error in plain words, or the credentials.</summary>
    public async Task<(string? Error, EvseCredentials? Credentials)> AddEvseAsync(string ownerId, Guid siteId, EvseForm form, string hubUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await db.Sites.AnyAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken))
        {
            return (NotYours, null);
        }

        if (Validate(form) is { } error)
        {
            return (error, null);
        }

        if (form.SpeaksOcpp && await db.Evses.AnyAsync(e => e.OcppStationId == form.OcppStationId!.Trim(), cancellationToken))
        {
            return ("Another charger already uses this station id: each OCPP station connects with its own.", null);
        }

        var evse = ToEvse(siteId, form);
        db.Evses.Add(evse);
        audit.Record(siteId, ownerId, $"{evse.Name}: charger added, secret issued", evse.Id);
        await db.SaveChangesAsync(cancellationToken);
        var secret = await provisioning.IssueAsync(evse.Id, cancellationToken);
        return (null, new EvseCredentials(evse.Id, evse.Name, secret, hubUrl, evse.OcppStationId));
    }

    /// <summary>Issues a new secret (the old one stops working at once); null when the charger is not the owner's.</summary>
    public async Task<EvseCredentials?> RotateSecretAsync(string ownerId, Guid evseId, string hubUrl, CancellationToken cancellationToken)
    {
        var evse = await OwnedEvseAsync(ownerId, evseId, cancellationToken);
        if (evse is null)
        {
            return null;
        }

        audit.Record(evse.SiteId, ownerId, $"{evse.Name}: new secret issued", evse.Id);
        var credentials = new EvseCredentials(evse.Id, evse.Name, await provisioning.IssueAsync(evse.Id, cancellationToken), hubUrl, evse.OcppStationId);
        connections.Get(evse.Id)?.Link.Abort(); // a link opened with the old secret does not outlive it
        return credentials;
    }

    /// <summary>Removes a charger: unbinds it from the grid layer and deletes it and its secret.</summary>
    public async Task<bool> RemoveEvseAsync(string ownerId, Guid evseId, CancellationToken cancellationToken)
    {
        if (await OwnedEvseAsync(ownerId, evseId, cancellationToken) is not { } evse)
        {
            return false;
        }

        await audit.RecordNowAsync(evse.SiteId, ownerId, $"{evse.Name}: charger removed", evseId, cancellationToken);
        await grid.UnbindAsync(evseId, cancellationToken);
        await db.Evses.Where(e => e.Id == evseId).ExecuteDeleteAsync(cancellationToken);
        connections.Get(evseId)?.Link.Abort(); // a removed charger is no longer served
        return true;
    }

    /// <summary>Imports chargers from CSV (header <see cref="CsvHeader"/>): all or nothing, with a report per line.</summary>
    public async Task<(bool Imported, IReadOnlyList<ImportLine> Report)> ImportAsync(string ownerId, Guid siteId, string csv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (!await db.Sites.AnyAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken))
        {
            return (false, [new ImportLine(0, "", NotYours)]);
        }

        var lines = csv.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).ToList();
        if (lines.Count == 0 || !string.Equals(lines[0], CsvHeader, StringComparison.OrdinalIgnoreCase))
        {
            return (false, [new ImportLine(1, "", $"The first line must be the header: {CsvHeader}")]);
        }

        var existing = (await db.Evses.AsNoTracking().Where(e => e.SiteId == siteId).Select(e => e.Name).ToListAsync(cancellationToken)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var report = new List<ImportLine>();
        var forms = new List<EvseForm>();
        for (var i = 1; i < lines.Count && i <= MaxImportLines; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var cells = lines[i].Split(',').Select(c => c.Trim().Trim('"')).ToArray();
            var (form, error) = Parse(cells);
            if (error is null && (existing.Contains(form!.Name) || forms.Any(f => string.Equals(f.Name, form.Name, StringComparison.OrdinalIgnoreCase))))
            {
                error = $"A charger named {form.Name} already exists at this site.";
            }

            report.Add(new ImportLine(i + 1, cells.FirstOrDefault() ?? "", error));
            if (form is not null && error is null)
            {
                forms.Add(form);
            }
        }

        if (lines.Count > MaxImportLines + 1)
        {
            report.Add(new ImportLine(MaxImportLines + 2, "", $"At most {MaxImportLines:N0} chargers per import."));
        }

        if (report.Any(r => r.Error is not null) || forms.Count == 0)
        {
            return (false, report.Count == 0 ? [new ImportLine(2, "", "No charger in the file.")] : report);
        }

        db.Evses.AddRange(forms.Select(f => ToEvse(siteId, f)));
        audit.Record(siteId, ownerId, $"{forms.Count} chargers imported from CSV");
        await db.SaveChangesAsync(cancellationToken);
        return (true, report);
    }

    public async Task<string?> ExportAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        if (!await db.Sites.AnyAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken))
        {
            return null;
        }

        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var e in await db.Evses.AsNoTracking().Where(e => e.SiteId == siteId).OrderBy(e => e.Name).ToListAsync(cancellationToken))
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Cell(e.Name)},{e.Current.ToString().ToUpperInvariant()},{e.RatedChargeKw},{e.RatedDischargeKw},{Cell(e.Make)},{Cell(e.Model)},{Cell(e.SerialNumber)}\n");
        }

        return csv.ToString();
    }

    private static (EvseForm? Form, string? Error) Parse(string[] cells)
    {
        if (cells.Length != 7)
        {
            return (null, $"Expected 7 values ({CsvHeader}), found {cells.Length}.");
        }

        if (!Enum.TryParse<CurrentType>(cells[1], ignoreCase: true, out var current) || !Enum.IsDefined(current))
        {
            return (null, $"current must be AC or DC, not '{cells[1]}'.");
        }

        if (!double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var charge) || !double.TryParse(cells[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var discharge))
        {
            return (null, "rated_charge_kw and rated_discharge_kw must be numbers (use a dot for decimals).");
        }

        var form = new EvseForm { Name = cells[0], Current = current, RatedChargeKw = charge, RatedDischargeKw = discharge, Make = Empty(cells[4]), Model = Empty(cells[5]), SerialNumber = Empty(cells[6]) };
        return (form, Validate(form));
    }

    private static string? Validate(EvseForm form)
    {
        if (string.IsNullOrWhiteSpace(form.Name) || form.Name.Length > 100)
        {
            return "Give the charger a name of up to 100 characters.";
        }

        if (!double.IsFinite(form.RatedChargeKw) || !double.IsFinite(form.RatedDischargeKw) || form.RatedChargeKw is <= 0 or > 1_000 || form.RatedDischargeKw is < 0 or > 1_000)
        {
            return "Ratings are between 0 and 1,000 kW (charge above 0).";
        }

        if (form.SpeaksOcpp && !Evse.IsValidOcppStationId(form.OcppStationId?.Trim()))
        {
            return "An OCPP station id is 1 to 48 letters, digits or * - _ = + | @ . (no spaces or colons).";
        }

        return form.Make?.Length > 64 || form.Model?.Length > 64 || form.SerialNumber?.Length > 64 ? "Make, model and serial are at most 64 characters." : null;
    }

    private static Evse ToEvse(Guid siteId, EvseForm f) => new()
    {
        SiteId = siteId,
        Name = f.Name.Trim(),
        Current = f.Current,
        RatedChargeKw = f.RatedChargeKw,
        RatedDischargeKw = f.RatedDischargeKw,
        Make = f.Make?.Trim(),
        Model = f.Model?.Trim(),
        SerialNumber = f.SerialNumber?.Trim(),
        OcppStationId = f.SpeaksOcpp ? f.OcppStationId?.Trim() : null,
    };

    private static string? Empty(string s) => s.Length == 0 ? null : s;

    private static string Cell(string? value) =>
        value is null ? "" : value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value.Replace(",", " ", StringComparison.Ordinal);

    private Task<Evse?> OwnedEvseAsync(string ownerId, Guid evseId, CancellationToken cancellationToken) =>
        (from e in db.Evses join s in db.Sites on e.SiteId equals s.Id where e.Id == evseId && s.OwnerId == ownerId select e).SingleOrDefaultAsync(cancellationToken);
}
