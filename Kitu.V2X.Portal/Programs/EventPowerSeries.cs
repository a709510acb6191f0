using System.Collections.Concurrent;

namespace Kitu.V2X.Portal.Programs;

/// <summary>One moment of an event: the power the cars achieve against the target (kW, discharge positive).</summary>
public readonly record struct EventPowerPoint(DateTimeOffset At, double AchievedKw, double TargetKw);

/// <summary>
/// Achieved power against the target over each event, as the mediator sees it on its passes: at most one point per
/// two seconds, at most <see cref="MaxPoints"/> per event, kept for a day after the event's last point. In memory —
/// it starts empty after a restart (the outcomes themselves are durable in the commands and the audit trail).
/// </summary>
public sealed class EventPowerSeries(TimeProvider time)
{
    public const int MaxPoints = 5_000;
    private static readonly TimeSpan Resolution = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FlatEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<Guid, List<EventPowerPoint>> series = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Guid, double>> asked = new();
    private DateTimeOffset lastSweep;

    public void Record(Guid eventId, double achievedKw, double targetKw)
    {
        var now = time.GetUtcNow();
        var points = series.GetOrAdd(eventId, _ => []);
        lock (points)
        {
            var point = new EventPowerPoint(now, Math.Round(achievedKw, 2), Math.Round(targetKw, 2));
            if (points.Count > 0 && now - points[^1].At < Resolution)
            {
                points[^1] = point with { At = points[^1].At }; // within the same two seconds: the latest value wins
                return;
            }

            if (points.Count > 0 && points[^1].AchievedKw == point.AchievedKw && points[^1].TargetKw == point.TargetKw && now - points[^1].At < FlatEvery)
            {
                return; // nothing changed: a flat line needs a new point only now and then
            }

            points.Add(point);
            if (points.Count > MaxPoints)
            {
                points.RemoveRange(0, points.Count - MaxPoints);
            }
        }

        if (now - lastSweep > TimeSpan.FromMinutes(10))
        {
            lastSweep = now;
            Sweep(now);
        }
    }

    /// <summary>
    /// The target of an event asked per car: what each car taking part was asked, summed over every car that took part —
    /// a car that stops (its driver, its floor, the grid) keeps its part in the target, so the target does not fall with
    /// the achieved power. <paramref name="live"/> are the event's live commands (car, kW asked) at this pass.
    /// </summary>
    public double PerCarTarget(Guid eventId, IEnumerable<(Guid VehicleId, double Kw)> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        var parts = asked.GetOrAdd(eventId, _ => new());
        foreach (var (vehicle, kw) in live)
        {
            parts.AddOrUpdate(vehicle, kw, (_, before) => Math.Max(before, kw));
        }

        return parts.Values.Sum();
    }

    /// <summary>The event's points, oldest first, averaged down to at most <paramref name="buckets"/> points for a chart.</summary>
    public IReadOnlyList<EventPowerPoint> Points(Guid eventId, int buckets = 60)
    {
        if (!series.TryGetValue(eventId, out var points))
        {
            return [];
        }

        EventPowerPoint[] copy;
        lock (points)
        {
            copy = [.. points];
        }

        if (copy.Length <= buckets)
        {
            return copy;
        }

        var first = copy[0].At;
        var width = (copy[^1].At - first) / buckets;
        return [.. copy.GroupBy(p => Math.Min(buckets - 1, (int)((p.At - first) / width)))
            .Select(g => new EventPowerPoint(g.Last().At, g.Average(p => p.AchievedKw), g.Average(p => p.TargetKw)))];
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (id, points) in series)
        {
            lock (points)
            {
                if (points.Count == 0 || now - points[^1].At > KeepFor)
                {
                    series.TryRemove(id, out _);
                    asked.TryRemove(id, out _);
                }
            }
        }
    }
}
