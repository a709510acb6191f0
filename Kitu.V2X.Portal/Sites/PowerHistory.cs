using System.Collections.Concurrent;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Sites;

/// <summary>
/// The last 24 hours of measured power per EVSE, in one-minute buckets (average of the reports in each minute), from
/// the live status reports. In memory: it starts empty after a restart.
/// </summary>
public sealed class PowerHistory
{
    private const int Minutes = 24 * 60;
    // Striped for a fleet starting to discharge at once: 10,000 first reports within a second each add a series.
    private readonly ConcurrentDictionary<Guid, Series> series = new(concurrencyLevel: 64, capacity: 1024);
    private readonly TimeProvider time;

    public PowerHistory(EvseConnections connections, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(connections);
        this.time = time;
        connections.StatusChanged += (evseId, status) => Record(evseId, status.PowerKw);
    }

    public void Record(Guid evseId, double powerKw)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        if (series.TryGetValue(evseId, out var s))
        {
            s.Add(minute, powerKw);
        }
        else if (powerKw != 0)
        {
            // An EVSE that has only ever been idle adds nothing to any hour: its series starts with its first power.
            series.GetOrAdd(evseId, _ => new Series()).Add(minute, powerKw);
        }
    }

    /// <summary>How many EVSEs have a series (idle-only EVSEs have none).</summary>
    internal int SeriesCount => series.Count;

    /// <summary>Charge (positive) and discharge (negative) kW per hour over the last 24 hours, summed over the EVSEs, oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset Hour, double ChargeKw, double DischargeKw)> Hourly(IEnumerable<Guid> evseIds)
    {
        var nowMinute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var firstHour = (nowMinute / 60) - 23;
        var charge = new double[24];
        var discharge = new double[24];
        foreach (var id in evseIds)
        {
            if (!series.TryGetValue(id, out var s))
            {
                continue;
            }

            foreach (var (minute, kw) in s.Snapshot(nowMinute - Minutes))
            {
                var bucket = (int)((minute / 60) - firstHour);
                if (bucket is >= 0 and < 24)
                {
                    // Average power over the hour: each minute contributes 1/60 of its average.
                    if (kw >= 0)
                    {
                        charge[bucket] += kw / 60;
                    }
                    else
                    {
                        discharge[bucket] += kw / 60;
                    }
                }
            }
        }

        return Enumerable.Range(0, 24).Select(i => (DateTimeOffset.FromUnixTimeSeconds((firstHour + i) * 3600), Math.Round(charge[i], 2), Math.Round(discharge[i], 2))).ToList();
    }

    private sealed class Series
    {
        private readonly Lock gate = new();
        private readonly Dictionary<long, (double Sum, int Count)> minutes = [];

        public void Add(long minute, double kw)
        {
            lock (gate)
            {
                minutes[minute] = minutes.TryGetValue(minute, out var m) ? (m.Sum + kw, m.Count + 1) : (kw, 1);
                if (minutes.Count > Minutes + 60)
                {
                    foreach (var old in minutes.Keys.Where(k => k < minute - Minutes).ToList())
                    {
                        minutes.Remove(old);
                    }
                }
            }
        }

        public List<(long Minute, double Kw)> Snapshot(long since)
        {
            lock (gate)
            {
                return minutes.Where(m => m.Key > since).Select(m => (m.Key, m.Value.Sum / m.Value.Count)).ToList();
            }
        }
    }
}
