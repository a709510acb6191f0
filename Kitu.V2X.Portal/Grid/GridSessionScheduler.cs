using System.Collections.Concurrent;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// Runs many 2030.5 client sessions: polls each when it is due, at most a set number at once, and re-checks every
/// session's validity each second so stale rules are noticed without a poll. Every new rules value goes to
/// <c>onRules</c>. No storage and no host: the grid worker and the benchmark both drive it.
/// </summary>
public sealed class GridSessionScheduler(int maxConcurrentPolls, TimeProvider time, Action<GridRules> onRules, Action<Exception, Guid> onCrash) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Entry> sessions = new();
    private readonly SemaphoreSlim concurrency = new(Math.Max(1, maxConcurrentPolls));
    private volatile TaskCompletionSource wake = NewWake();

    public int Count => sessions.Count;

    /// <summary>Adds (or replaces) the session of an EVSE; <paramref name="resources"/> are disposed with it.</summary>
    public void Add(DerClientSession session, IDisposable resources)
    {
        ArgumentNullException.ThrowIfNull(session);
        Remove(session.EvseId);
        sessions[session.EvseId] = new Entry(session, resources);
        wake.TrySetResult(); // a new session polls at once, not at the next tick
    }

    public bool Remove(Guid evseId)
    {
        if (!sessions.TryRemove(evseId, out var entry))
        {
            return false;
        }

        entry.Resources.Dispose();
        return true;
    }

    public bool Contains(Guid evseId) => sessions.ContainsKey(evseId);

    /// <summary>Polls one session now, re-reading every resource; null when the EVSE has no session.</summary>
    public async Task<GridRules?> PollNowAsync(Guid evseId, CancellationToken cancellationToken)
    {
        if (!sessions.TryGetValue(evseId, out var entry))
        {
            return null;
        }

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
            foreach (var (evseId, entry) in sessions)
            {
                var before = entry.Session.Rules;
                var after = entry.Session.Evaluate(now);
                if (!ReferenceEquals(before, after))
                {
                    Publish(entry, after);
                }

                if (entry.Session.NextPollAt <= now && !running.ContainsKey(evseId))
                {
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
                else if (entry.Session.NextPollAt < next)
                {
                    next = entry.Session.NextPollAt;
                }
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

    private async Task PollAsync(Entry entry, CancellationToken cancellationToken, bool refreshAll = false)
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
                Publish(entry, await entry.Session.PollAsync(cancellationToken, refreshAll));
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

    private void Publish(Entry entry, GridRules rules)
    {
        if (sessions.TryGetValue(entry.Session.EvseId, out var current) && ReferenceEquals(current, entry))
        {
            onRules(rules);
        }
    }

    private sealed class Entry(DerClientSession session, IDisposable resources)
    {
        public DerClientSession Session { get; } = session;

        public IDisposable Resources { get; } = resources;

        public SemaphoreSlim Gate { get; } = new(1);
    }
}
