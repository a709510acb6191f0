using Kitu.V2X.Portal.Components.Shared;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Kitu.V2X.Portal.Components.Pages.Sites;

/// <summary>
/// A site, live: its totals, its bays (a table, or compact rows on a phone) with what each does for an event or why not,
/// bulk allow and bind, its charts, adding chargers, the audit. It watches only its own chargers — their commands,
/// decisions, status reports and grid rules — and redraws at most twice a second.
/// </summary>
public sealed partial class SiteDetail
{
    private static readonly string[] Filters = ["All", "Online", "Offline", "Discharging", "Refused", "Grid blocks"];
    private readonly HashSet<Guid> selected = [];
    private readonly List<(Severity Severity, string Text)> messages = [];
    private Site? site;
    private TimeZoneInfo zone = TimeZoneInfo.Utc;
    private IReadOnlyList<LotRow>? rows;
    private IReadOnlyList<ServerChoice> servers = [];
    private double energyToday;
    private EvseCredentials? credentials;
    private string? bulkPin;
    private string filter = "All";
    private bool loaded;
    private bool busy;
    private int chartsVersion;

    [Parameter]
    public Guid SiteId { get; set; }

    [Inject]
    private GridRulesFeed Feed { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IScrollManager Scroll { get; set; } = default!;

    /// <summary>New connection details were just shown: bring them into view (they sit under a long lot).</summary>
    private bool showCredentials;

    protected override async Task OnInitializedAsync()
    {
        await SignedInAsync();
        site = (await Use<SiteAdministration, IReadOnlyList<Site>>((s, ct) => s.SitesAsync(UserId, ct))).FirstOrDefault(s => s.Id == SiteId);
        zone = Presentation.Clock.Zone(site?.TimeZoneId);
        servers = await Use<ChargerGridSwitch, IReadOnlyList<ServerChoice>>((s, ct) => s.ServersAsync(ct));
        await RefreshAsync(full: true);
        loaded = true;
        Feed.Changed += OnGrid;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Feed.Changed -= OnGrid;
        }

        base.Dispose(disposing);
    }

    /// <summary>The bays again (and, after a change beyond live values, today's energy and the charts); then watches exactly these chargers.</summary>
    protected override async Task RefreshAsync(bool full)
    {
        rows = site is null ? null : await Use<LotDashboard, IReadOnlyList<LotRow>?>((d, ct) => d.RowsAsync(UserId, SiteId, ct));
        if (rows is null)
        {
            return;
        }

        if (full)
        {
            energyToday = await Use<LotDashboard, double>((d, ct) => d.EnergyTodayAsync(UserId, SiteId, ct));
            chartsVersion++;
        }

        var scope = new ChangeScope();
        foreach (var row in rows)
        {
            scope.Add(evse: row.EvseId);
        }

        Watch(scope, rows.Select(r => r.EvseId));
    }

    private IReadOnlyList<LotRow> Filtered() => [.. (rows ?? []).Where(r => filter switch
    {
        "Online" => r.Online,
        "Offline" => !r.Online,
        "Discharging" => r.PowerKw < -0.05,
        "Refused" => r.NeedsAttention,
        "Grid blocks" => r.GridBlocks,
        _ => true,
    })];

    private void OnGrid(GridRules rules)
    {
        if (rows?.Any(r => r.EvseId == rules.EvseId) == true)
        {
            Poke(full: false);
        }
    }

    private void Toggle((Guid EvseId, bool On) change)
    {
        if (change.On)
        {
            selected.Add(change.EvseId);
        }
        else
        {
            selected.Remove(change.EvseId);
        }
    }

    private void SelectAll()
    {
        foreach (var r in Filtered())
        {
            selected.Add(r.EvseId);
        }
    }

    private async Task AllowAsync(bool allow)
    {
        busy = true;
        messages.Clear();
        try
        {
            var count = 0;
            foreach (var id in selected.ToList())
            {
                count += await Use<ChargerGridSwitch, bool>((s, ct) => s.SetAllowDischargeAsync(UserId, id, allow, ct)) ? 1 : 0;
            }

            messages.Add((Severity.Success, $"Discharge {(allow ? "allowed" : "forbidden")} on {count} charger{(count == 1 ? "" : "s")}."));
            await RefreshAsync(full: false);
        }
        finally
        {
            busy = false;
        }
    }

    private async Task BindAsync()
    {
        busy = true;
        messages.Clear();
        try
        {
            var server = servers[0];
            var results = await Use<ChargerGridSwitch, IReadOnlyList<ChargerBindResult>>((s, ct) => s.BindAsync(UserId, selected.ToList(), server.Id, bulkPin, ct));
            var bound = results.Where(r => r.Outcome.Succeeded).ToList();
            var ok = bound.Count(r => r.Outcome.Rules?.Integration == GridIntegration.Integrated);
            var own = bound.Count(r => r.Outcome.Rules is { ReportedByEvse: true, Integration: GridIntegration.RulesMissing });
            if (bound.Count > 0)
            {
                messages.Add((ok + own == bound.Count ? Severity.Success : Severity.Warning,
                    $"Bound {bound.Count}: {ok} registered with {server.Name}" + (own > 0 ? $", {own} told to use it with their own 2030.5 client." : ".")));
            }

            foreach (var failed in results.Where(r => r.Outcome.Error is not null))
            {
                messages.Add((Severity.Error, $"{failed.Name}: {failed.Outcome.Error}"));
            }

            await RefreshAsync(full: false);
        }
        finally
        {
            busy = false;
        }
    }

    private string HubUrl => Navigation.ToAbsoluteUri(Hubs.EvseHub.Path).ToString();

    private async Task AddedAsync(EvseCredentials issued)
    {
        messages.Clear();
        credentials = issued;
        showCredentials = true;
        await RefreshAsync(full: true);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await base.OnAfterRenderAsync(firstRender);
        if (showCredentials && credentials is not null)
        {
            showCredentials = false;
            await Scroll.ScrollIntoViewAsync("[data-testid='credentials']", ScrollBehavior.Smooth);
        }
    }

    private async Task RotateAsync(LotRow row)
    {
        if (!await Dialogs.ConfirmAsync($"New secret for {row.Name}?", $"{row.Name}'s current secret stops working at once: the charger goes offline until it is set up with the new one.", "Issue a new secret"))
        {
            return;
        }

        messages.Clear();
        credentials = await Use<SiteAdministration, EvseCredentials?>((s, ct) => s.RotateSecretAsync(UserId, row.EvseId, HubUrl, ct));
        showCredentials = credentials is not null;
    }

    private async Task RemoveAsync(LotRow row)
    {
        if (!await Dialogs.ConfirmAsync($"Remove {row.Name}?", $"{row.Name} is unbound from the grid layer and its secret stops working; a discharge running there stops. Its history stays.", "Remove the charger"))
        {
            return;
        }

        messages.Clear();
        if (await Use<SiteAdministration, bool>((s, ct) => s.RemoveEvseAsync(UserId, row.EvseId, ct)))
        {
            selected.Remove(row.EvseId);
            messages.Add((Severity.Info, "Charger removed; its secret and grid binding are gone."));
            await RefreshAsync(full: true);
        }
    }
}
