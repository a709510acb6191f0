using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Simulation;
using Kitu.V2X.Portal.Discharge;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// The portal on real Kestrel (a loopback port), so virtual EVSEs connect as real SignalR clients over the network
/// stack, with the sandbox 2030.5 server for grid rules and a mediator tuned for quick tests.
/// </summary>
public class LivePortal : PortalFactory
{
    public LivePortal()
        : this((string?)null)
    {
    }

    protected LivePortal(string? dataDirectory, int port = 0)
        : base(dataDirectory)
    {
        UseKestrel(port);
        StartServer();
    }

    /// <summary>A portal on a Kestrel listener of the caller's (for example HTTPS with a test certificate).</summary>
    protected LivePortal(Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions> listen)
        : base(null)
    {
        UseKestrel(listen);
        StartServer();
    }

    /// <summary>A portal over an existing data directory (a restart), on a given port (0 = any free one).</summary>
    public static LivePortal On(string dataDirectory, int port = 0) => new(dataDirectory, port);

    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("127.0.0.1", "localhost", StringComparison.Ordinal));

    public DischargeMediator Mediator => Services.GetRequiredService<DischargeMediator>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Simulation:Enabled", "false");
        builder.UseSetting("Mediator:TickMilliseconds", "200");
        builder.UseSetting("Mediator:AckTimeoutSeconds", "1");
        builder.UseSetting("Mediator:FollowGraceSeconds", "2");
        builder.UseSetting("Mediator:LinkGraceSeconds", "3");
        builder.UseSetting("Mediator:RetryRefusedSeconds", "1");
    }

    /// <summary>An HTTP client of the operator API with a new key of the operator <paramref name="operatorId"/>.</summary>
    public async Task<HttpClient> ApiClientAsync(Guid operatorId)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var (key, stored) = OperatorApiKey.Issue(operatorId, "test", DateTimeOffset.UtcNow);
        db.OperatorApiKeys.Add(stored);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var http = new HttpClient { BaseAddress = Address };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    /// <summary>The same for the demo utility's operator.</summary>
    public async Task<HttpClient> DemoOperatorApiClientAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var op = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            scope.ServiceProvider.GetRequiredService<PortalDbContext>().ProgramOperators.Where(o => o.Name == Demo.DemoFleet.OperatorName).Select(o => o.Id), TestContext.Current.CancellationToken);
        return await ApiClientAsync(op);
    }

    /// <summary>
    /// A site, a DC charger (bound to the sandbox unless told not to), a car plugged into a connected virtual EVSE, a
    /// program it is enrolled in. With <paramref name="ocppStationId"/>, the charger is an OCPP station the test connects
    /// itself (its password is the rig's secret). For an EV-executed program, also the car's maker (an OEM operator with an API key)
    /// and its simulated telematics cloud, connected unless told not to.
    /// </summary>
    public async Task<Rig> RigAsync(double soc = 70, bool bind = true, bool allow = true, CurrentType current = CurrentType.Dc, bool j3072 = true, double floor = 40, bool connect = true,
        ProgramExecutor executor = ProgramExecutor.Evse, bool telematicsOnline = true, bool messagePack = false, Func<Guid, ResidentGridClient>? ownGridClient = null,
        string? ocppStationId = null)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<PortalDbContext>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var users = sp.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        var ownerId = (await users.FindByEmailAsync(Demo.DemoAccounts.Fleet.Email))!.Id;
        var driverId = (await users.FindByEmailAsync(Demo.DemoAccounts.Driver.Email))!.Id;
        var site = new Site { OwnerId = ownerId, Name = $"Site {tag}", UtilityName = "Test utility", Kind = SiteKind.Private };
        var evse = new Kitu.V2X.Portal.Domain.ConsumerSupport.Evse { SiteId = site.Id, Name = $"Charger {tag}", Current = current, RatedChargeKw = 11, RatedDischargeKw = 11, OwnerAllowsDischarge = allow, OcppStationId = ocppStationId };
        var vehicle = new Vehicle { OwnerId = driverId, Name = $"Car {tag}", Make = $"Make-{tag}", BatteryKwh = 60, MaxDischargeKw = 11, SupportsAcDischarge = true, SupportsDcDischarge = true, J3072Capable = j3072, Identifier = $"CAR-{tag}" };
        var op = new ProgramOperator { Name = $"Utility {tag}", Kind = OperatorKind.Utility };
        var program = new DischargeProgram { OperatorId = op.Id, OperatorKind = OperatorKind.Utility, Name = $"Program {tag}", Executor = executor, Status = ProgramStatus.Published, EligibleUtilities = ["Test utility"], MaxKwPerVehicle = 11 };
        var maker = new ProgramOperator { Name = $"Maker {tag}", Kind = OperatorKind.Oem, VehicleMakes = [vehicle.Make] };
        var (makerKey, storedKey) = OperatorApiKey.Issue(maker.Id, "telematics", DateTimeOffset.UtcNow);
        db.AddRange(site, evse, vehicle, op, program, maker, storedKey);
        db.DischargePreferences.Add(new DischargePreferences { VehicleId = vehicle.Id, Consent = true, SocFloorPercent = floor, TrustedEvseIds = [evse.Id] }); // the driver trusts this charger: what it reports links the car
        db.Enrollments.Add(new Enrollment { VehicleId = vehicle.Id, ProgramId = program.Id, Rank = 1, EnrolledAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync(ct);

        if (bind)
        {
            var grid = sp.GetRequiredService<GridBindingService>();
            var server = (await grid.ServersAsync(ct)).Single(s => s.Name == "Sandbox Utility");
            var outcome = await grid.BindAsync(new BindRequest(evse.Id, server.Id, "111115", 11, 11), ct);
            Assert.Equal(GridIntegration.Integrated, outcome.Rules!.Integration);
        }

        var secret = await sp.GetRequiredService<EvseProvisioning>().IssueAsync(evse.Id, ct);
        var ev = new VirtualEv(vehicle.Identifier, 60, soc, j3072);
        var virtualEvse = new VirtualEvse(evse.Id, secret, Address, 11, ev, TimeProvider.System, TimeSpan.FromSeconds(1), messagePack: messagePack, reconnect: ReconnectBackOff.Eager) { GridClient = ownGridClient?.Invoke(evse.Id) };
        var telematics = executor == ProgramExecutor.Ev
            ? new VirtualTelematics(Address, makerKey, id => string.Equals(id, vehicle.Identifier, StringComparison.OrdinalIgnoreCase) && virtualEvse.Ev is not null ? virtualEvse : null, TimeProvider.System, TimeSpan.FromSeconds(1))
            : null;
        var rig = new Rig(this, evse.Id, vehicle.Id, program.Id, vehicle.OwnerId, secret, virtualEvse, ev) { Telematics = telematics, MakerId = maker.Id, MakerKey = makerKey };
        if (connect && ocppStationId is null) // an OCPP station is the test's own (NodeStation), not the virtual EVSE
        {
            await virtualEvse.StartAsync(ct);
            await rig.UntilAsync(() => Services.GetRequiredService<EvseConnections>().WhereIs(vehicle.Identifier) is not null, "the EVSE's status arrives");
            await rig.UntilAsync(() => (virtualEvse.Grid is not null || virtualEvse.GridClient is not null) && virtualEvse.Policy is not null, "grid rules and owner policy reach the EVSE");
        }

        if (telematics is not null && telematicsOnline)
        {
            await telematics.StartAsync(ct);
            await rig.UntilAsync(() => Services.GetRequiredService<TelematicsLinks>().IsOnline(maker.Id), "the maker's telematics link is up");
        }

        return rig;
    }
}
