using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.ScaleOut;
using Kitu.V2X.Portal.Simulation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// Demo mode on two instances over one store: one set of virtual chargers, run by the holder of the simulation lease —
/// not one per instance taking each other's links — and when it stops, the other starts them.
/// </summary>
public sealed class SimulationLeaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Of_two_instances_in_demo_mode_one_runs_the_virtual_chargers_and_the_other_takes_over_when_it_stops()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var a = new Instance(dataDirectory, "sim-a") { KeepData = true };
        Instance? b = null;
        try
        {
            var simulationA = a.Services.GetRequiredService<DemoSimulation>();
            await Until(() => simulationA.Evses.Count > 0 && a.Services.GetRequiredService<EvseConnections>().All.Any(), "the first instance connects the demo's virtual chargers");
            b = new Instance(dataDirectory, "sim-b");
            var leaseB = b.Services.GetRequiredService<SimulationLease>();
            await leaseB.FirstTry.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct); // two renewals of the holder
            Assert.False(leaseB.IsHeld);
            Assert.Empty(b.Services.GetRequiredService<DemoSimulation>().Evses); // no second set
            Assert.Empty(b.Services.GetRequiredService<EvseConnections>().All);
            var count = simulationA.Evses.Count;

            await a.DisposeAsync(); // a clean stop gives the lease up at once
            var simulationB = b.Services.GetRequiredService<DemoSimulation>();
            await Until(() => simulationB.Evses.Count == count && b.Services.GetRequiredService<EvseConnections>().All.Any(), "the second instance starts them");
        }
        finally
        {
            await a.DisposeAsync();
            if (b is not null)
            {
                await b.DisposeAsync();
            }
        }
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.True(condition(), $"Not within 30 s: {what}.");
    }

    /// <summary>A live portal in demo mode with its simulation on, over a shared data directory, its own instance id and a short lease.</summary>
    private sealed class Instance(string dataDirectory, string id) : LivePortal(dataDirectory)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Instance:Id", id);
            builder.UseSetting("ScaleOut:LeaseSeconds", "3");
            builder.UseSetting("Simulation:Enabled", "true");
        }
    }
}
