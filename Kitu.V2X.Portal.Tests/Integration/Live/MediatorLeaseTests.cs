using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.ScaleOut;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// Two portal instances on one store: only the one holding the mediator's lease runs passes; when it stops, the other
/// takes the lease and recovers the live commands from the outbox.
/// </summary>
public sealed class MediatorLeaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Of_two_instances_on_one_store_one_runs_the_mediator_and_the_other_takes_over_with_the_live_commands()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var a = new Instance(dataDirectory, "instance-a") { KeepData = true }; // the other instance goes on with the data
        Instance? b = null;
        Rig? rig = null;
        try
        {
            var leaseA = a.Services.GetRequiredService<MediatorLease>();
            rig = await a.RigAsync(soc: 80);
            await rig.UntilAsync(() => leaseA.IsHeld, "the first instance takes the lease");
            await rig.DispatchAsync();
            var running = await rig.UntilStateAsync(CommandState.Running);

            b = new Instance(dataDirectory, "instance-b");
            var leaseB = b.Services.GetRequiredService<MediatorLease>();
            await leaseB.FirstTry.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct); // two renewals of the holder
            Assert.True(leaseA.IsHeld);
            Assert.False(leaseB.IsHeld);
            await b.Mediator.PassNowAsync(Ct); // a pass asked of the other instance is left to the holder
            Assert.Equal(0, b.Services.GetRequiredService<LiveCommands>().Count);

            await a.DisposeAsync(); // a clean stop gives the lease up at once
            await rig.UntilAsync(() => leaseB.IsHeld, "the second instance takes the lease", TimeSpan.FromSeconds(5));
            await rig.UntilAsync(() => b.Services.GetRequiredService<LiveCommands>().Get(running.Id) is not null, "it recovers the running command from the outbox");

            await using var scope = b.Services.CreateAsyncScope();
            var lease = Assert.Single(await LeaseStore.AllAsync(scope.ServiceProvider.GetRequiredService<PortalDbContext>(), Ct));
            Assert.Equal("instance-b", lease.Holder);
            Assert.Equal(2, lease.Token);
        }
        finally
        {
            if (rig is not null)
            {
                await rig.DisposeAsync();
            }

            await a.DisposeAsync();
            if (b is not null)
            {
                await b.DisposeAsync();
            }
        }
    }

    /// <summary>A live portal over a shared data directory (the same SQLite files, or the same PostgreSQL databases), with its own instance id and a short lease.</summary>
    private sealed class Instance(string dataDirectory, string id) : LivePortal(dataDirectory)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Instance:Id", id);
            builder.UseSetting("ScaleOut:LeaseSeconds", "3");
        }
    }
}
