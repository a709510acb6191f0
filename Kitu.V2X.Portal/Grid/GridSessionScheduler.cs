using System.Collections.Concurrent;
using System.Globalization;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// Runs many 2030.5 client sessions: polls each when it is due, at most a set number at once, and re-checks every
/// session's validity each second so stale rules are noticed without a poll. Every new rules value goes to
/// <c>onRules</c>. No storage and no host: the grid worker and the benchmark both drive it.
/// <para>
/// One server never starves another: the polls in flight are shared fairly between the servers that have sessions
/// (a slow or hostile server holds at most its share of the slots), and a server whose polls keep failing is backed
/// off as a whole (a circuit breaker: after <see cref="BreakerThreshold"/> failures in a row its sessions wait, one
/// probe at a time, for 30 s doubling up to 10 min) while the others keep their pollRate.
/// </para>
/// </summary>
public sealed class GridSessionScheduler(int maxConcurrentPolls, TimeProvider time, Action<GridRules> onRules, Action<Exception, Guid> onCrash) : IDisposable
{
    /// <summary>Failed polls in a row, across a server's sessions, that open its breaker.</summary>
    public const int BreakerThreshold = 5;

    private static readonly TimeSpan FirstCooldown = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestCooldown = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<Guid, Entry> sessions = new();
    private readonly ConcurrentDictionary<Guid, Lane> lanes = new();
    private readonly SemaphoreSlim concurrency = new(Math.Max(1, maxConcurrentPolls));
    private readonly int slots = Math.Max(1, maxConcurrentPolls);
    private volatile TaskCompletionSource wake = NewWake();

    public int Count => sessions.Count;

    /// <summary>Adds (or replaces) the session of an EVSE; <paramref name="resources"/> are disposed with it.</summary>
    public void Add(DerClientSession session, IDisposable resources)
    {
        ArgumentNullException.ThrowIfNull(session);
        Remove(session.EvseId);
        var lane = lanes.GetOrAdd(session.ServerId, _ => new Lane());
        Interlocked.Increment(ref lane.Sessions);
        sessions[session.EvseId] = new Entry(session, resources, lane);
        wake.TrySetResult(); // a new session polls at once, not at the next tick
    }

    public bool Remove(Guid evseId)
    {
        if (!sessions.TryRemove(evseId, out var entry))
        {
            return false;
        }

        Interlocked.Decrement(ref entry.Lane.Sessions);
        entry.Resources.Dispose();
        return true;
    }

    public bool Contains(Guid evseId) => sessions.ContainsKey(evseId);

    public IEnumerable<DerClientSession> All => sessions.Values.Select(e => e.Session);

    public DerClientSession? Session(Guid evseId) => sessions.TryGetValue(evseId, out var entry) ? entry.Session : null;

    /// <summary>Whether the server's breaker is open (its sessions are held back), and until when.</summary>
    public DateTimeOffset? BackedOffUntil(Guid serverId) =>
        lanes.TryGetValue(serverId, out var lane) && lane.OpenUntil is { } until && until > time.GetUtcNow() ? until : null;

    /// <summary>Polls one session now, re-reading every resource; null when the EVSE has no session.</summary>
    public async Task<GridRules?> PollNowAsync(Guid evseId, CancellationToken cancellationToken)
    {
        if (!sessions.TryGetValue(evseId, out var entry))
        {
            return null;
        }

        Interlocked.Increment(ref entry.Lane.InFlight);
        await PollAsync(entry, cancellationToken, refreshAll: true);
        return entry.Session.Rules;
    }

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var running = new ConcurrentDictionary<Guid, Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = now + TimeSpan.FromSeconds(1);
            var share = Share();
            foreach (var (evseId, entry) in sessions)
            {
                var before = entry.Session.Rules;
                var after = entry.Session.Evaluate(now);
                if (!ReferenceEquals(before, after))
                {
                    Publish(entry, after);
                }

                if (entry.Session.NextPollAt > now || running.ContainsKey(evseId))
                {
                    next = entry.Session.NextPollAt < next ? entry.Session.NextPollAt : next;
                    continue;
                }

                var lane = entry.Lane;
                if (lane.HoldBack(now) is { } until)
                {
                    entry.Session.Defer(until, $"{entry.Session.ServerName} keeps failing ({lane.Failures} failed polls in a row); its devices try again from {until.UtcDateTime.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}.");
                    Publish(entry, entry.Session.Rules);
                    continue;
                }

                if (Volatile.Read(ref lane.InFlight) >= share)
                {
                    continue; // this server has its share in flight: the others go first, it follows as its polls end
                }

                Interlocked.Increment(ref lane.InFlight);
                running[evseId] = Task.Run(async () =>
                {
                    try
                    {
                        await PollAsync(entry, stoppingToken);
                    }
                    finally
                    {
                        running.TryRemove(evseId, out _);
                    }
                }, CancellationToken.None);
            }

            var delay = next - time.GetUtcNow();
            var signal = wake.Task;
            if (delay > TimeSpan.Zero && !signal.IsCompleted)
            {
                await Task.WhenAny(signal, Task.Delay(delay, time, stoppingToken));
            }

            if (signal.IsCompleted)
            {
                wake = NewWake();
            }
            else
            {
                await Task.Yield(); // never spin synchronously through the loop
            }
        }

        await Task.WhenAll(running.Values);
    }

    public void Dispose()
    {
        foreach (var entry in sessions.Values)
        {
            entry.Resources.Dispose();
        }

        sessions.Clear();
        concurrency.Dispose();
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The slots one server may hold: all of them divided by the servers that have sessions (at least one).</summary>
    private int Share()
    {
        var servers = lanes.Values.Count(l => Volatile.Read(ref l.Sessions) > 0);
        return Math.Max(1, slots / Math.Max(1, servers));
    }

    private async Task PollAsync(Entry entry, CancellationToken cancellationToken, bool refreshAll = false)
    {
        try
        {
            try
            {
                await entry.Gate.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await concurrency.WaitAsync(cancellationToken);
                try
                {
                    var rules = await entry.Session.PollAsync(cancellationToken, refreshAll);
                    entry.Lane.Record(entry.Session.LastError is null, time.GetUtcNow());
                    GridMeters.Poll(entry.Session.ServerName, entry.Session.LastError is null);
                    Publish(entry, rules);
                }
                finally
                {
                    concurrency.Release();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down.
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug in one session must not take the others down; it is reported and retried at the next interval.
                onCrash(ex, entry.Session.EvseId);
            }
            finally
            {
                entry.Gate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref entry.Lane.InFlight);
            wake.TrySetResult(); // a slot is free: a session held back for its server's share may go
        }
    }

    private void Publish(Entry entry, GridRules rules)
    {
        if (sessions.TryGetValue(entry.Session.EvseId, out var current) && ReferenceEquals(current, entry))
        {
            onRules(rules);
        }
    }

    private sealed class Entry(DerClientSession session, IDisposable resources, Lane lane)
    {
        public DerClientSession Session { get; } = session;

        public IDisposable Resources { get; } = resources;

        public Lane Lane { get; } = lane;

        public SemaphoreSlim Gate { get; } = new(1);
    }

    /// <summary>One server's share of the polls and its circuit breaker.</summary>
    private sealed class Lane
    {
        private readonly Lock gate = new();
        private TimeSpan cooldown = FirstCooldown;
        private bool probing;

        public int Sessions;
        public int InFlight;

        public int Failures { get; private set; }

        public DateTimeOffset? OpenUntil { get; private set; }

        /// <summary>While the breaker is open: until when a session must wait; null when it may poll (one probe once the cooldown is over).</summary>
        public DateTimeOffset? HoldBack(DateTimeOffset now)
        {
            lock (gate)
            {
                if (OpenUntil is not { } until)
                {
                    return null;
                }

                if (now < until)
                {
                    return until + TimeSpan.FromSeconds(Random.Shared.NextDouble() * cooldown.TotalSeconds * 0.1);
                }

                if (probing)
                {
                    return now + TimeSpan.FromSeconds(5 + (Random.Shared.NextDouble() * 5));
                }

                probing = true;
                return null;
            }
        }

        public void Record(bool succeeded, DateTimeOffset now)
        {
            lock (gate)
            {
                if (succeeded)
                {
                    Failures = 0;
                    OpenUntil = null;
                    probing = false;
                    cooldown = FirstCooldown;
                    return;
                }

                Failures++;
                if (probing || (OpenUntil is null && Failures >= BreakerThreshold))
                {
                    if (probing)
                    {
                        cooldown = cooldown * 2 > LongestCooldown ? LongestCooldown : cooldown * 2;
                    }

                    probing = false;
                    OpenUntil = now + cooldown;
                }
            }
        }
    }
}
