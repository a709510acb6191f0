using Kitu.V2X.Portal.Discharge;
using Microsoft.AspNetCore.Components;

namespace Kitu.V2X.Portal.Components.Shared;

/// <summary>
/// The base of a page that shows live state (see <see cref="ScopedComponent"/> for its store access). The page watches
/// only what it shows — <see cref="Watch"/> with its chargers, cars, programs or events — and redraws at most every
/// <see cref="RefreshEvery"/>, however much changes; the watches end with the page.
/// </summary>
public abstract class LivePage : ScopedComponent
{
    private readonly Lock gate = new();
    private IDisposable? changeWatch;
    private IDisposable? statusWatch;
    private int scheduled;
    private volatile bool wantFull;

    [Inject] private MediatorNotifier Notifier { get; set; } = default!;

    [Inject] private ILogger<LivePage> Log { get; set; } = default!;

    /// <summary>How often the page redraws at most for live changes.</summary>
    protected virtual TimeSpan RefreshEvery => TimeSpan.FromMilliseconds(500);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (gate)
            {
                changeWatch?.Dispose();
                statusWatch?.Dispose();
                changeWatch = statusWatch = null;
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Watches what the page shows, replacing the previous watch: changes to commands and decisions touching
    /// <paramref name="scope"/> redraw it with <see cref="RefreshAsync"/>(true); status reports of
    /// <paramref name="evses"/> (or of a charger reporting one of <paramref name="vehicles"/>) with
    /// <see cref="RefreshAsync"/>(false).
    /// </summary>
    protected void Watch(ChangeScope scope, IEnumerable<Guid> evses, IEnumerable<string>? vehicles = null)
    {
        var changes = Notifier.Watch(scope, () => Poke(full: true));
        var status = Notifier.WatchStatus(evses, (_, _) => Poke(full: false), vehicles);
        lock (gate)
        {
            if (IsGone)
            {
                changes.Dispose();
                status.Dispose();
                return;
            }

            changeWatch?.Dispose();
            statusWatch?.Dispose();
            (changeWatch, statusWatch) = (changes, status);
        }
    }

    /// <summary>Asks for a redraw soon (coalesced): <paramref name="full"/> when more than live values changed.</summary>
    protected void Poke(bool full)
    {
        if (full)
        {
            wantFull = true;
        }

        if (Interlocked.Exchange(ref scheduled, 1) == 1 || IsGone)
        {
            return;
        }

        _ = Task.Delay(RefreshEvery, Gone).ContinueWith(
            _ => InvokeAsync(async () =>
            {
                Interlocked.Exchange(ref scheduled, 0);
                var full = wantFull;
                wantFull = false;
                try
                {
                    await RefreshAsync(full);
                    StateHasChanged();
                }
                catch (OperationCanceledException) when (IsGone)
                {
                    // the page went
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Log.LogWarning(e, "A live page could not refresh");
                }
            }),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }

    /// <summary>Reads the page's state again after a live change; <paramref name="full"/> when more than live values changed.</summary>
    protected abstract Task RefreshAsync(bool full);
}
