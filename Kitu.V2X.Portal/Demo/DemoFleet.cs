using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Simulation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Demo;

/// <summary>
/// The demo's cars, utility program and enrollments: the driver's car (72 %, consent on, floor 40 %, departure 07:30
/// at 80 %) and six depot vans, all enrolled in the utility's "Evening Peak". Idempotent.
/// </summary>
internal static class DemoFleet
{
    public const string OperatorName = DemoSites.Utility;
    public const string ProgramName = "Evening Peak";
    public const string DriverCar = "KITU-DANA-0001";
    public const string CarMakerName = "Kitu Motors";
    public const string CarMakerProgram = "Kitu Drive-to-Grid";
    public const string TelematicsKeyName = "Simulated telematics";

    private static readonly (string Name, double Soc, bool Ac, bool J3072)[] Vans =
    [
        ("Van 1", 72, false, true),
        ("Van 2", 65, false, true),
        ("Van 3", 33, false, true),
        ("Van 4", 80, false, true),
        ("Van 5", 70, true, false),
        ("Van 6", 75, true, true),
    ];

    public static async Task SeedAsync(PortalDbContext db, string driverId, string fleetId, PortalUser operatorUser, TimeProvider time, CancellationToken ct)
    {
        var op = await OperatorAsync(db, new ProgramOperator { Name = OperatorName, Kind = OperatorKind.Utility }, operatorUser, ct);
        if (await db.DischargePrograms.AnyAsync(p => p.Name == ProgramName, ct))
        {
            await db.SaveChangesAsync(ct);
            return;
        }

        var program = new DischargeProgram
        {
            OperatorId = op.Id,
            OperatorKind = OperatorKind.Utility,
            Name = ProgramName,
            Description = "Discharge a little on weekday evenings, when the grid needs it most.",
            Executor = ProgramExecutor.Evse,
            CompensationPerKwh = 0.25m,
            Currency = "USD",
            TimeZoneId = DemoSites.TimeZone,
            EligibleUtilities = [DemoSites.Utility],
            MaxKwPerVehicle = 11,
            NoticeMinutes = 0,
            Status = ProgramStatus.Published,
        };
        db.DischargePrograms.Add(program);

        var now = time.GetUtcNow();
        var car = new Vehicle
        {
            OwnerId = driverId,
            Name = "Dana's car",
            Make = "Kitu",
            Model = "EV 77",
            BatteryKwh = 77,
            MaxDischargeKw = 11,
            SupportsAcDischarge = true,
            SupportsDcDischarge = true,
            J3072Capable = true,
            Identifier = DriverCar,
        };
        db.Vehicles.Add(car);
        db.DischargePreferences.Add(new DischargePreferences
        {
            VehicleId = car.Id,
            Consent = true,
            SocFloorPercent = 40,
            TimeZoneId = DemoSites.TimeZone,
            Departures = [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
                .Select(d => new Departure(d, new TimeOnly(7, 30), 80))],
        });
        db.Enrollments.Add(new Enrollment { VehicleId = car.Id, ProgramId = program.Id, Rank = 1, EnrolledAt = now });

        var depot = await db.Sites.SingleAsync(s => s.OwnerId == fleetId && s.Kind == SiteKind.Private, ct);
        for (var i = 0; i < Vans.Length; i++)
        {
            var van = new Vehicle
            {
                OwnerId = fleetId,
                FleetSiteId = depot.Id,
                Name = Vans[i].Name,
                Make = "Kitu",
                Model = "Van 60",
                BatteryKwh = 60,
                MaxDischargeKw = 11,
                SupportsAcDischarge = Vans[i].Ac,
                SupportsDcDischarge = true,
                J3072Capable = Vans[i].J3072,
                Identifier = $"KITU-FLEET-{i + 1:0000}",
            };
            db.Vehicles.Add(van);
            db.DischargePreferences.Add(new DischargePreferences { VehicleId = van.Id, Consent = true, SocFloorPercent = 35, TimeZoneId = DemoSites.TimeZone });
            db.Enrollments.Add(new Enrollment { VehicleId = van.Id, ProgramId = program.Id, Rank = 1, EnrolledAt = now });
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The car maker of the demo cars (make "Kitu"), its operator account, and its program executed by the car over
    /// the maker's telematics link (seed A.2.2), with the demo's Kitu cars (the driver's and the vans) enrolled second. Idempotent.
    /// </summary>
    public static async Task SeedCarMakerAsync(PortalDbContext db, PortalUser makerUser, TimeProvider time, CancellationToken ct)
    {
        var maker = await OperatorAsync(db, new ProgramOperator { Name = CarMakerName, Kind = OperatorKind.Oem, VehicleMakes = ["Kitu"] }, makerUser, ct);
        if (await db.DischargePrograms.AnyAsync(p => p.Name == CarMakerProgram, ct))
        {
            await db.SaveChangesAsync(ct);
            return;
        }

        var program = new DischargeProgram
        {
            OperatorId = maker.Id,
            OperatorKind = OperatorKind.Oem,
            Name = CarMakerProgram,
            Description = "Your Kitu car helps the grid on its own: the car runs the discharge, through a grid-integrated charger.",
            Executor = ProgramExecutor.Ev,
            CompensationPerKwh = 0.30m,
            Currency = "USD",
            TimeZoneId = DemoSites.TimeZone,
            MaxKwPerVehicle = 7,
            Status = ProgramStatus.Published,
        };
        db.DischargePrograms.Add(program);
        foreach (var car in await db.Vehicles.Where(v => v.Make == "Kitu").ToListAsync(ct))
        {
            db.Enrollments.Add(new Enrollment { VehicleId = car.Id, ProgramId = program.Id, Rank = 2, EnrolledAt = time.GetUtcNow() });
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>The demo operator of that name (added as given when missing), with its demo account acting for it.</summary>
    private static async Task<ProgramOperator> OperatorAsync(PortalDbContext db, ProgramOperator wanted, PortalUser account, CancellationToken ct)
    {
        var op = await db.ProgramOperators.SingleOrDefaultAsync(o => o.Name == wanted.Name, ct);
        if (op is null)
        {
            op = wanted;
            db.ProgramOperators.Add(op);
        }

        account.OperatorId = op.Id;
        return op;
    }

    /// <summary>Every demo EVSE with the car the demo story plugs into it (or none).</summary>
    public static async Task<List<(Evse Evse, VirtualEv? Ev)>> PlugPlanAsync(PortalDbContext db, CancellationToken ct)
    {
        var owners = await DemoOwnersAsync(db, ct);
        var evses = await (from e in db.Evses.AsNoTracking()
                           join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                           where owners.Contains(s.OwnerId) && s.UtilityName == DemoSites.Utility
                           orderby s.Name, e.Name
                           select new { e, s.Kind }).ToListAsync(ct);
        var plan = new List<(Evse, VirtualEv?)>();
        foreach (var x in evses)
        {
            VirtualEv? ev = null;
            if (x.Kind == SiteKind.Home)
            {
                ev = new VirtualEv(DriverCar, 77, 72, true);
            }
            else if (x.Kind == SiteKind.Private && x.e.Name.StartsWith("Bay ", StringComparison.Ordinal) && int.TryParse(x.e.Name[4..], out var bay) && bay is >= 1 and <= 6)
            {
                var van = Vans[bay - 1];
                ev = new VirtualEv($"KITU-FLEET-{bay:0000}", 60, van.Soc, van.J3072);
            }

            plan.Add((x.e, ev));
        }

        return plan;
    }

    /// <summary>
    /// The driver's car and the homeowner's garage charger belong to one household: the driver trusts that charger, so
    /// the car it reports is linked at once (elsewhere a charger's claim waits for the driver). Idempotent.
    /// </summary>
    public static async Task TrustHomeChargerAsync(PortalDbContext db, string homeOwnerId, CancellationToken ct)
    {
        var garage = await (from e in db.Evses join s in db.Sites on e.SiteId equals s.Id where s.OwnerId == homeOwnerId && s.Kind == SiteKind.Home select e.Id).FirstOrDefaultAsync(ct);
        var prefs = await (from p in db.DischargePreferences join v in db.Vehicles on p.VehicleId equals v.Id where v.Identifier == DriverCar select p).SingleOrDefaultAsync(ct);
        if (garage != Guid.Empty && prefs is not null && !prefs.TrustedEvseIds.Contains(garage))
        {
            prefs.TrustedEvseIds = [.. prefs.TrustedEvseIds, garage];
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>The demo's street chargers run their own 2030.5 client with their maker's certificate (seed §3.2.4.1).</summary>
    public static bool RunsOwnGridClient(Evse evse) => evse?.Name.StartsWith("Public post", StringComparison.Ordinal) == true;

    /// <summary>The depot bays the demo binds to the sandbox server: all but the last, so one refusal reads "not bound".</summary>
    public static async Task<List<Evse>> DepotBaysToBindAsync(PortalDbContext db, CancellationToken ct)
    {
        var owners = await DemoOwnersAsync(db, ct);
        return (await (from e in db.Evses.AsNoTracking()
                       join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                       where owners.Contains(s.OwnerId) && s.Kind == SiteKind.Private && s.UtilityName == DemoSites.Utility
                       select e).ToListAsync(ct))
            .Where(e => e.Name is "Bay 1" or "Bay 2" or "Bay 3" or "Bay 4" or "Bay 5")
            .ToList();
    }

    /// <summary>
    /// The demo's own site owners: the demo touches only their sites and chargers — never another owner's, even one
    /// whose site names the demo utility.
    /// </summary>
    private static async Task<List<string>> DemoOwnersAsync(PortalDbContext db, CancellationToken ct)
    {
        string[] emails = [DemoAccounts.Owner.Email.ToUpperInvariant(), DemoAccounts.Fleet.Email.ToUpperInvariant()];
        return await db.Users.AsNoTracking().Where(u => emails.Contains(u.NormalizedEmail!)).Select(u => u.Id).ToListAsync(ct);
    }
}
