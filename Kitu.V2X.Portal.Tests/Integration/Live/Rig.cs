using System.Diagnostics;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Simulation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>One test's charger, car and program on a <see cref="LivePortal"/>, with the steps tests take.</summary>
public sealed class Rig(LivePortal portal, Guid evseId, Guid vehicleId, Guid programId, string driverId, string secret, VirtualEvse evse, VirtualEv ev) : IAsyncDisposable
{
    public Guid EvseId { get; } = evseId;

    public Guid VehicleId { get; } = vehicleId;

    public Guid ProgramId { get; } = programId;

    public string DriverId { get; } = driverId;

    public string Secret { get; } = secret;

    public VirtualEvse Evse { get; } = evse;

    public VirtualEv Ev { get; } = ev;

    /// <summary>The car maker's simulated telematics cloud, for an EV-executed program.</summary>
    public VirtualTelematics? Telematics { get; init; }

    /// <summary>The car maker (an OEM operator whose telematics link reaches this car) and its API key.</summary>
    public Guid MakerId { get; init; }

    public string MakerKey { get; init; } = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Dispatches an event of the rig's program starting now, and runs a mediator pass.</summary>
    public async Task<Guid> DispatchAsync(double kw = 5, TimeSpan? length = null, double? totalTargetKw = null)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = DateTimeOffset.UtcNow;
        var programEvent = new ProgramEvent { ProgramId = ProgramId, Start = now.AddSeconds(-1), End = now + (length ?? TimeSpan.FromMinutes(30)), RequestedKwPerVehicle = totalTargetKw is null ? kw : null, TotalTargetKw = totalTargetKw, CreatedAt = now };
        db.ProgramEvents.Add(programEvent);
        await db.SaveChangesAsync(Ct);
        await portal.Mediator.PassNowAsync(Ct);
        return programEvent.Id;
    }

    /// <summary>The car's latest command (its latest segment of its latest event).</summary>
    /// <summary>The same charger and car seen through another portal (a restarted one).</summary>
    public Rig On(LivePortal other) => new(other, EvseId, VehicleId, ProgramId, DriverId, Secret, Evse, Ev);

    /// <summary>Dispatches one event of this rig's program to these rigs' cars too (they enrol in it), and runs a pass.</summary>
    public async Task<Guid> DispatchEventForAllAsync(IEnumerable<Rig> rigs, double kw = 5)
    {
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            foreach (var other in rigs.Where(r => r.VehicleId != VehicleId))
            {
                db.Enrollments.Add(new Enrollment { VehicleId = other.VehicleId, ProgramId = ProgramId, Rank = 0, EnrolledAt = DateTimeOffset.UtcNow });
            }

            await db.SaveChangesAsync(Ct);
        }

        return await DispatchAsync(kw);
    }

    public async Task<DischargeCommand?> CommandAsync() => (await CommandsAsync()).LastOrDefault();

    /// <summary>Every command of the car, oldest first.</summary>
    public async Task<List<DischargeCommand>> CommandsAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<PortalDbContext>().DischargeCommands.AsNoTracking().Where(c => c.VehicleId == VehicleId).ToListAsync(Ct))
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Segment).ToList();
    }

    /// <summary>The car's audit trail, oldest first.</summary>
    public async Task<List<AuditEntry>> AuditAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.AsNoTracking().Where(a => a.VehicleId == VehicleId).OrderBy(a => a.Id).ToListAsync(Ct);
    }

    public async Task<EventDecision?> DecisionAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().EventDecisions.AsNoTracking().SingleOrDefaultAsync(d => d.VehicleId == VehicleId, Ct);
    }

    /// <summary>Every decision taken for the rig's car (one per event).</summary>
    public async Task<List<EventDecision>> DecisionsAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().EventDecisions.AsNoTracking().Where(d => d.VehicleId == VehicleId).ToListAsync(Ct);
    }

    public async Task<DischargeCommand> UntilStateAsync(CommandState state, TimeSpan? within = null)
    {
        DischargeCommand? command = null;
        await UntilAsync(async () => (command = await CommandAsync())?.State == state, $"the command reaches {state} (it is {command?.State})", within);
        return command!;
    }

    /// <summary>Waits until <paramref name="find"/> returns something, and returns it.</summary>
    public async Task<T> UntilFoundAsync<T>(Func<Task<T?>> find, string what, TimeSpan? within = null)
        where T : class
    {
        T? found = null;
        await UntilAsync(async () => (found = await find()) is not null, what, within);
        return found!;
    }

    public async Task UntilAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        await UntilAsync(() => Task.FromResult(condition()), what, within);

    public async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > (within ?? TimeSpan.FromSeconds(15)))
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(50, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Telematics is not null)
        {
            await Telematics.DisposeAsync();
        }

        await Evse.DisposeAsync();
    }
}
