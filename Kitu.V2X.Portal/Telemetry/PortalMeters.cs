using System.Diagnostics.Metrics;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Telemetry;

/// <summary>
/// The portal's own instruments (meter <c>Kitu.V2X.Portal</c>), each tagged with the <c>instance</c> that reports it:
/// live EVSE links per transport, discharge commands by state (sampled from the outbox every
/// <see cref="SampleEvery"/>), the leases it holds, and how long the mediator's passes take. Counts and durations only: no identifier of an
/// EVSE, a car or a person.
/// </summary>
public sealed partial class PortalMeters : BackgroundService
{
    public const string MeterName = "Kitu.V2X.Portal";

    public static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(15);

    private readonly Histogram<double> passDuration;
    private readonly IServiceScopeFactory scopes;
    private readonly ILogger<PortalMeters> logger;
    private readonly KeyValuePair<string, object?> instance;
    private volatile IReadOnlyList<(CommandState State, int Count)> commands = [];

    public PortalMeters(IMeterFactory meters, PortalInstance instance, EvseConnections links, IEnumerable<ScaleOut.HeldLease> leases, IServiceScopeFactory scopes, ILogger<PortalMeters> logger)
    {
        this.scopes = scopes;
        this.logger = logger;
        this.instance = new("instance", instance.Id);
        var tag = this.instance;
        var meter = meters.Create(MeterName);
        passDuration = meter.CreateHistogram<double>(
            "kitu.mediator.pass.duration", "s", "How long one mediator pass took (plan, watch, relay)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        meter.CreateObservableGauge("kitu.links.live", () => links.All.Where(l => l.IsLocal).GroupBy(l => l.Link.Transport)
            .Select(g => new Measurement<int>(g.Count(), tag, new("transport", g.Key))), "{link}", "Live EVSE links held by this instance, by transport");
        var held = leases.ToList();
        meter.CreateObservableGauge("kitu.leases.held", () => held.Select(l => new Measurement<int>(l.IsHeld ? 1 : 0, tag, new("lease", l.Key))),
            "{lease}", "1 for each lease this instance holds (mediator, grid), 0 for one another instance holds");
        meter.CreateObservableGauge("kitu.commands", () => commands.Select(c => new Measurement<int>(c.Count, tag, new("state", c.State.ToString()))),
            "{command}", "Discharge commands in the outbox, by state (sampled)");
    }

    /// <summary>Records one mediator pass.</summary>
    public void Pass(TimeSpan elapsed) => passDuration.Record(elapsed.TotalSeconds, instance);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SampleEvery);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                var counts = await db.DischargeCommands.GroupBy(c => c.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(stoppingToken);
                commands = [.. counts.Select(c => (c.Key, c.Count))];
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
            {
                LogSampleFailed(logger, ex.GetBaseException().Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not sample the outbox for the metrics: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}
