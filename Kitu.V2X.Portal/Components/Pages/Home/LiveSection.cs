using Kitu.V2X.Portal.Components.Shared;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Summaries;
using Microsoft.AspNetCore.Components;

namespace Kitu.V2X.Portal.Components.Pages.Home;

/// <summary>
/// A home section that shows a live summary: read with a database context of its own for each refresh, refreshed when
/// something it shows changes — its cars, chargers or programs (<see cref="WatchFor"/>), or the grid's rules — at most
/// every 1.5 s, however much changes, and cancelled when the page goes.
/// </summary>
public abstract class LiveSection<T> : LivePage
    where T : class
{
    [Inject] private GridRulesFeed Feed { get; set; } = default!;

    protected T? Summary { get; private set; }

    /// <summary>Set once the first summary is shown (tests and screen readers wait for it).</summary>
    protected bool Loaded { get; private set; }

    protected override TimeSpan RefreshEvery => TimeSpan.FromSeconds(1.5);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Feed.Changed -= OnRules;
        }

        base.Dispose(disposing);
    }

    protected abstract Task<T?> LoadAsync(IRoleSummaries summaries, string userId, CancellationToken cancellationToken);

    /// <summary>What the summary shows, to watch: the changes that touch it, the chargers whose reports it shows, the cars it follows.</summary>
    protected abstract (ChangeScope Changes, IEnumerable<Guid> Evses, IEnumerable<string> Vehicles) WatchFor(T summary);

    protected override async Task OnInitializedAsync()
    {
        await SignedInAsync();
        await RefreshAsync(full: true);
        Feed.Changed += OnRules;
    }

    private void OnRules(Domain.GridSecurity.GridRules rules) => Poke(full: true);

    protected override async Task RefreshAsync(bool full)
    {
        Summary = await Use<IRoleSummaries, T?>((s, ct) => LoadAsync(s, UserId, ct));
        Loaded = true;
        if (Summary is not null)
        {
            var (changes, evses, vehicles) = WatchFor(Summary);
            Watch(changes, evses, vehicles);
        }

        StateHasChanged();
    }
}
