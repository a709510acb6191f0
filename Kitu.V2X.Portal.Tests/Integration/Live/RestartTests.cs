using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Simulation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>The outbox survives a restart: a command sent but not acked before the portal stopped is resent after it starts again, once.</summary>
public sealed class RestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restart_in_the_middle_of_a_dispatch_resumes_from_the_outbox_without_losing_or_doubling()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        Guid commandId, evseId, vehicleId;
        string identifier;
        await using (var first = LivePortal.On(dataDirectory))
        {
            first.KeepData = true;
            await using var rig = await first.RigAsync(soc: 70);
            rig.Evse.Misbehave.IgnoreCommands = true; // the EVSE gets the command but the portal stops before any ack
            await rig.DispatchAsync(kw: 5);
            var sent = await rig.UntilStateAsync(CommandState.Sent);
            (commandId, evseId, vehicleId, identifier) = (sent.Id, rig.EvseId, rig.VehicleId, rig.Ev.Identifier);
        }

        await using var second = LivePortal.On(dataDirectory);
        string secret;
        await using (var scope = second.Services.CreateAsyncScope())
        {
            secret = await scope.ServiceProvider.GetRequiredService<EvseProvisioning>().IssueAsync(evseId, Ct);
        }

        await using var evse = new VirtualEvse(evseId, secret, second.Address, 11, new VirtualEv(identifier, 60, 70, true), TimeProvider.System, TimeSpan.FromSeconds(1));
        await evse.StartAsync(Ct);
        var probe = new Rig(second, evseId, vehicleId, Guid.Empty, "", secret, evse, evse.Ev!);

        var running = await probe.UntilStateAsync(CommandState.Running, TimeSpan.FromSeconds(20));

        Assert.Equal(commandId, running.Id);
        Assert.Equal(1, evse.Executions);
        Assert.All(evse.Received, id => Assert.Equal(commandId, id));
        await using var check = second.Services.CreateAsyncScope();
        Assert.Equal(1, await check.ServiceProvider.GetRequiredService<PortalDbContext>().DischargeCommands.CountAsync(c => c.VehicleId == vehicleId, Ct));
    }
}
