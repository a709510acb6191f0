using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>A car as the driver edits it.</summary>
public sealed class VehicleForm
{
    public Guid? Id { get; set; }

    public string Name { get; set; } = "";

    public string? Make { get; set; }

    public string? Model { get; set; }

    public double BatteryKwh { get; set; } = 60;

    public double MaxDischargeKw { get; set; } = 11;

    public bool SupportsAcDischarge { get; set; }

    public bool SupportsDcDischarge { get; set; } = true;

    public bool J3072Capable { get; set; }

    public string Identifier { get; set; } = "";
}

/// <summary>The driver's cars: add, edit, remove — only their own. New cars start with consent off and a 40 % floor.</summary>
public sealed class DriverVehicles(PortalDbContext db)
{
    public const string NotYours = "Car not found among your cars.";

    public async Task<IReadOnlyList<Vehicle>> ListAsync(string driverId, CancellationToken cancellationToken) =>
        await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == driverId && v.FleetSiteId == null).OrderBy(v => v.Name).ToListAsync(cancellationToken);

    public async Task<VehicleForm?> LoadAsync(string driverId, Guid id, CancellationToken cancellationToken) =>
        await db.Vehicles.AsNoTracking().Where(v => v.Id == id && v.OwnerId == driverId).Select(v => new VehicleForm
        {
            Id = v.Id,
            Name = v.Name,
            Make = v.Make,
            Model = v.Model,
            BatteryKwh = v.BatteryKwh,
            MaxDischargeKw = v.MaxDischargeKw,
            SupportsAcDischarge = v.SupportsAcDischarge,
            SupportsDcDischarge = v.SupportsDcDischarge,
            J3072Capable = v.J3072Capable,
            Identifier = v.Identifier,
        }).SingleOrDefaultAsync(cancellationToken);

    /// <summary>Validates and saves; returns errors by field, empty when saved (the form's Id is set).</summary>
    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(string driverId, VehicleForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = new Dictionary<string, string>();
        var identifier = form.Identifier.Trim().ToUpperInvariant();
        if (string.IsNullOrWhiteSpace(form.Name) || form.Name.Trim().Length > 100)
        {
            errors[nameof(form.Name)] = "Give the car a name of up to 100 characters.";
        }

        if (form.BatteryKwh is < 5 or > 300)
        {
            errors[nameof(form.BatteryKwh)] = "Battery size is between 5 and 300 kWh.";
        }

        if (form.MaxDischargeKw is < 0 or > 350)
        {
            errors[nameof(form.MaxDischargeKw)] = "Maximum discharge power is between 0 and 350 kW.";
        }

        if (identifier.Length is < 3 or > 64 || !identifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ':'))
        {
            errors[nameof(form.Identifier)] = "The identifier the charger reports: 3 to 64 letters, digits, '-', '_' or ':'.";
        }
        else if (await db.Vehicles.AnyAsync(v => v.Identifier == identifier && v.Id != form.Id, cancellationToken))
        {
            // Said without telling whose it is.
            errors[nameof(form.Identifier)] = "Another car already uses this identifier. Check it, or contact support if it is yours.";
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        Vehicle? vehicle;
        if (form.Id is { } id)
        {
            vehicle = await db.Vehicles.SingleOrDefaultAsync(v => v.Id == id && v.OwnerId == driverId, cancellationToken);
            if (vehicle is null)
            {
                return new Dictionary<string, string> { ["vehicle"] = NotYours };
            }
        }
        else
        {
            vehicle = new Vehicle { OwnerId = driverId, Name = "", Identifier = "" };
            db.Vehicles.Add(vehicle);
            db.DischargePreferences.Add(new DischargePreferences { VehicleId = vehicle.Id });
        }

        vehicle.Name = form.Name.Trim();
        vehicle.Make = form.Make?.Trim();
        vehicle.Model = form.Model?.Trim();
        vehicle.BatteryKwh = form.BatteryKwh;
        vehicle.MaxDischargeKw = form.MaxDischargeKw;
        vehicle.SupportsAcDischarge = form.SupportsAcDischarge;
        vehicle.SupportsDcDischarge = form.SupportsDcDischarge;
        vehicle.J3072Capable = form.J3072Capable;
        vehicle.Identifier = identifier;
        await db.SaveChangesAsync(cancellationToken);
        form.Id = vehicle.Id;
        return errors;
    }

    public async Task<bool> RemoveAsync(string driverId, Guid id, CancellationToken cancellationToken) =>
        await db.Vehicles.Where(v => v.Id == id && v.OwnerId == driverId).ExecuteDeleteAsync(cancellationToken) == 1;
}
