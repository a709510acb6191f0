using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Tests.Integration.Data;

/// <summary>Every consumer-side entity survives a save and a fresh read through the migrated schema (SQLite, or PostgreSQL in that run of the suite).</summary>
public sealed class PortalStoreTests : IAsyncLifetime
{
    private readonly string store = TestStores.NewPortalStore("store");
    private readonly PortalUser owner = new() { UserName = "owner@example.test", Email = "owner@example.test" };

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await using var db = NewContext();
        await db.Database.MigrateAsync(Ct);
        db.Users.Add(owner);
        await db.SaveChangesAsync(Ct);
    }

    public async ValueTask DisposeAsync() => await TestStores.DeleteAsync(store);

    [Fact]
    public async Task The_committed_migrations_match_the_model()
    {
        await using var db = NewContext();

        Assert.False(db.Database.HasPendingModelChanges(), "The model has changed since the last migration: add one (dotnet dotnet-ef migrations add …).");
    }

    [Fact]
    public async Task A_site_with_its_policy_round_trips()
    {
        var site = NewSite();
        site.Policy = new SitePolicy { SocFloorPercent = 35, AllowedHours = new(new(22, 0), new(6, 30)), MaxExportKw = 120 };

        var loaded = await RoundTrip(site, db => db.Sites.SingleAsync(s => s.Id == site.Id, Ct));

        AssertSame(site, loaded);
    }

    [Fact]
    public async Task An_evse_round_trips()
    {
        var site = await Saved(NewSite());
        var evse = new Evse { SiteId = site.Id, Name = "Bay 3", Current = CurrentType.Dc, RatedChargeKw = 22, RatedDischargeKw = 20, Make = "Kitu", Model = "BiDi-20", SerialNumber = "SN-3", OwnerAllowsDischarge = true };

        AssertSame(evse, await RoundTrip(evse, db => db.Evses.SingleAsync(e => e.Id == evse.Id, Ct)));
    }

    [Fact]
    public async Task A_vehicle_and_its_preferences_round_trip()
    {
        var vehicle = NewVehicle();
        var prefs = new DischargePreferences
        {
            VehicleId = vehicle.Id,
            Consent = true,
            SocFloorPercent = 55,
            Departures = [new(DayOfWeek.Monday, new(7, 30), 80), new(DayOfWeek.Saturday, new(10, 0), 60)],
            NotTodayUntil = new DateTimeOffset(2026, 6, 16, 7, 0, 0, TimeSpan.Zero),
            AllowedWindows = [new(new(17, 0), new(21, 0))],
            OnlyTrustedChargers = true,
            TrustedEvseIds = [Guid.NewGuid(), Guid.NewGuid()],
            TimeZoneId = "America/Los_Angeles",
        };

        AssertSame(vehicle, await RoundTrip(vehicle, db => db.Vehicles.SingleAsync(v => v.Id == vehicle.Id, Ct)));
        AssertSame(prefs, await RoundTrip(prefs, db => db.DischargePreferences.SingleAsync(p => p.VehicleId == vehicle.Id, Ct)));
    }

    [Fact]
    public async Task Operators_programs_enrollments_and_events_round_trip()
    {
        var op = new ProgramOperator { Name = "Sunset Utility", Kind = OperatorKind.Utility };
        var program = new DischargeProgram
        {
            OperatorId = op.Id,
            OperatorKind = op.Kind,
            Name = "Evening Peak",
            Description = "Weekday evenings",
            Executor = ProgramExecutor.Ev,
            IsEmergency = true,
            CompensationPerKwh = 0.2575m,
            EligibleUtilities = ["Sunset Utility"],
            EligibleSiteIds = [Guid.NewGuid()],
            MaxKwPerVehicle = 7.5,
            NoticeMinutes = 15,
            Status = ProgramStatus.Published,
        };
        var vehicle = await Saved(NewVehicle());
        var enrollment = new Enrollment { VehicleId = vehicle.Id, ProgramId = program.Id, Rank = 2, EnrolledAt = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero) };
        var ev = new ProgramEvent
        {
            ProgramId = program.Id,
            Start = new DateTimeOffset(2026, 6, 15, 17, 0, 0, TimeSpan.Zero),
            End = new DateTimeOffset(2026, 6, 15, 17, 30, 0, TimeSpan.Zero),
            RequestedKwPerVehicle = 5,
            CreatedAt = new DateTimeOffset(2026, 6, 15, 16, 55, 0, TimeSpan.Zero),
            CancelledAt = new DateTimeOffset(2026, 6, 15, 17, 10, 0, TimeSpan.Zero),
        };

        AssertSame(op, await RoundTrip(op, db => db.ProgramOperators.SingleAsync(o => o.Id == op.Id, Ct)));
        AssertSame(program, await RoundTrip(program, db => db.DischargePrograms.SingleAsync(p => p.Id == program.Id, Ct)));
        AssertSame(enrollment, await RoundTrip(enrollment, db => db.Enrollments.SingleAsync(e => e.Id == enrollment.Id, Ct)));
        AssertSame(ev, await RoundTrip(ev, db => db.ProgramEvents.SingleAsync(e => e.Id == ev.Id, Ct)));
    }

    [Fact]
    public async Task Events_can_be_selected_by_time_in_the_database()
    {
        var op = await Saved(new ProgramOperator { Name = "Op", Kind = OperatorKind.Cpo });
        var program = await Saved(new DischargeProgram { OperatorId = op.Id, OperatorKind = op.Kind, Name = "P" });
        var t = new DateTimeOffset(2026, 6, 15, 17, 0, 0, TimeSpan.Zero);
        await Saved(new ProgramEvent { ProgramId = program.Id, Start = t.AddMinutes(-10), End = t.AddMinutes(20), RequestedKwPerVehicle = 1 });
        await Saved(new ProgramEvent { ProgramId = program.Id, Start = t.AddMinutes(5), End = t.AddMinutes(20), RequestedKwPerVehicle = 1 });

        await using var db = NewContext();
        var inForce = await db.ProgramEvents.CountAsync(e => e.Start <= t && t < e.End, Ct);

        Assert.Equal(1, inForce);
    }

    [Fact]
    public async Task Two_vehicles_cannot_share_the_identifier_a_charger_reports()
    {
        await Saved(NewVehicle("EVCC-0001"));

        await Assert.ThrowsAsync<DbUpdateException>(() => Saved(NewVehicle("EVCC-0001")));
    }

    private Site NewSite() => new() { OwnerId = owner.Id, Name = "Home", Kind = SiteKind.Home, UtilityName = "Sunset Utility", Address = "1 Grid Way", TimeZoneId = "America/Los_Angeles" };

    private Vehicle NewVehicle(string? identifier = null) => new()
    {
        OwnerId = owner.Id,
        Name = "Blue car",
        Make = "Volt",
        Model = "Bi",
        BatteryKwh = 77.4,
        MaxDischargeKw = 9.6,
        SupportsAcDischarge = true,
        SupportsDcDischarge = false,
        J3072Capable = true,
        Identifier = identifier ?? "EVCC-" + Guid.NewGuid().ToString("N")[..8],
    };

    private PortalDbContext NewContext() => TestStores.Portal(store);

    private async Task<T> Saved<T>(T entity)
        where T : class
    {
        await using var db = NewContext();
        db.Add(entity);
        await db.SaveChangesAsync(Ct);
        return entity;
    }

    private async Task<T> RoundTrip<T>(T entity, Func<PortalDbContext, Task<T>> load)
        where T : class
    {
        await Saved(entity);
        await using var db = NewContext();
        return await load(db);
    }

    /// <summary>Compares every public property, including owned values and lists, through their JSON form.</summary>
    private static void AssertSame<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
}

public sealed class GridStoreTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite, "Data Source=:memory:")]
    [InlineData(StorageProvider.PostgreSql, "Host=localhost;Database=never_opened")]
    public void The_committed_grid_migrations_match_the_model(StorageProvider engine, string connectionString)
    {
        using var db = new GridDbContext(new DbContextOptionsBuilder<GridDbContext>().UseStore(engine, connectionString).Options);

        Assert.False(db.Database.HasPendingModelChanges(), $"The grid model has changed since its last {engine} migration: add one with Kitu.V2X.Portal/Data/Migrations/add-migration.sh.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void The_portal_store_has_migrations_of_its_own_for_each_engine_and_they_match_the_model()
    {
        foreach (var (engine, connectionString) in new[] { (StorageProvider.Sqlite, "Data Source=:memory:"), (StorageProvider.PostgreSql, "Host=localhost;Database=never_opened") }) // never opened
        {
            using var db = TestStores.Portal(connectionString);
            var migrations = db.Database.GetMigrations().ToList();
            Assert.False(db.Database.HasPendingModelChanges(), $"The portal model has changed since its last {engine} migration: add one with Kitu.V2X.Portal/Data/Migrations/add-migration.sh.");
            // Each engine sees its own chain only: PostgreSQL starts from its own initial migration, SQLite from its first.
            Assert.Equal(engine == StorageProvider.PostgreSql ? "InitialPostgreSql" : "InitialPortal", migrations[0].Split('_', 2)[1]);
            Assert.DoesNotContain(migrations.Skip(1), m => m.EndsWith("_InitialPostgreSql", StringComparison.Ordinal) || m.EndsWith("_InitialPortal", StringComparison.Ordinal));
        }
    }
}
