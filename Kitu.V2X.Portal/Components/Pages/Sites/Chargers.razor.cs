using System.Security.Claims;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Kitu.V2X.Portal.Components.Pages.Sites;

/// <summary>The owner's chargers with the bind switch; grid status updates live from the rules feed.</summary>
public sealed partial class Chargers : IDisposable
{
    private readonly HashSet<Guid> selected = [];
    private readonly List<Message> messages = [];
    private List<ChargerRow>? rows;
    private IReadOnlyList<ServerChoice> servers = [];
    private List<ChargerRow>? bindTargets;
    private Guid? serverId;
    private string? pin;
    private bool busy;
    private string ownerId = "";
    private Guid? qrFor;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private ChargerGridSwitch Switch { get; set; } = default!;

    [Inject] private GridRulesFeed Feed { get; set; } = default!;

    public void Dispose() => Feed.Changed -= OnRulesChanged;

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        ownerId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        rows = [.. await Switch.ListAsync(ownerId, CancellationToken.None)];
        servers = await Switch.ServersAsync(CancellationToken.None);
        Feed.Changed += OnRulesChanged;
    }

    private static TimeZoneInfo Zone(ChargerRow row) => Workers.MediationFacts.Zone(row.TimeZoneId);

    private static string StatusIcon(GridRules rules) => rules.Integration switch
    {
        GridIntegration.Integrated => Icons.Material.Filled.CheckCircle,
        GridIntegration.NotBound => Icons.Material.Outlined.LinkOff,
        GridIntegration.RulesMissing => Icons.Material.Outlined.HourglassTop,
        _ => Icons.Material.Filled.Error,
    };

    private static Color StatusColor(GridRules rules) => rules.Integration switch
    {
        GridIntegration.Integrated => Color.Success,
        GridIntegration.NotBound or GridIntegration.RulesMissing => Color.Default,
        _ => Color.Error,
    };

    private void OnRulesChanged(GridRules rules)
    {
        _ = InvokeAsync(() =>
        {
            var index = rows?.FindIndex(r => r.EvseId == rules.EvseId) ?? -1;
            if (index >= 0)
            {
                rows![index] = rows[index] with { Rules = rules };
                StateHasChanged();
            }
        });
    }

    private void Toggle(Guid evseId, bool on)
    {
        if (on)
        {
            selected.Add(evseId);
        }
        else
        {
            selected.Remove(evseId);
        }
    }

    private void SelectAll(IEnumerable<ChargerRow> site)
    {
        foreach (var row in site)
        {
            selected.Add(row.EvseId);
        }
    }

    private void OpenBind(ChargerRow row) => Open([row]);

    private void OpenBulkBind() => Open(rows!.Where(r => selected.Contains(r.EvseId)).ToList());

    private void Open(List<ChargerRow> targets)
    {
        bindTargets = targets;
        serverId ??= servers.Count == 1 ? servers[0].Id : null;
        pin = null;
    }

    private void CloseBind() => bindTargets = null;

    private async Task BindAsync()
    {
        if (bindTargets is null || serverId is not { } server)
        {
            return;
        }

        busy = true;
        messages.Clear();
        try
        {
            var results = await Switch.BindAsync(ownerId, bindTargets.Select(t => t.EvseId).ToList(), server, pin, CancellationToken.None);
            foreach (var result in results)
            {
                if (!result.Outcome.Succeeded)
                {
                    messages.Add(new Message(Severity.Error, $"{result.Name}: {result.Outcome.Error}"));
                    if (result.Outcome.Error != ChargerGridSwitch.NotYours)
                    {
                        break; // the same PIN or server problem applies to every charger
                    }

                    continue;
                }

                Update(result.EvseId, result.Outcome.Rules!);
                var rules = result.Outcome.Rules!;
                messages.Add(rules.Integration == GridIntegration.Integrated
                    ? new Message(Severity.Success, $"{result.Name}: registered with {rules.ServerName}.")
                    : new Message(Severity.Warning, $"{result.Name}: bound, but {GridStatusText.Describe(rules, TimeZoneInfo.Utc)}"));
            }

            if (results.All(r => r.Outcome.Succeeded))
            {
                bindTargets = null;
                selected.Clear();
            }
        }
        finally
        {
            busy = false;
        }
    }

    private async Task UnbindAsync(ChargerRow row) => await Unbind([row.EvseId]);

    private async Task UnbindSelectedAsync() => await Unbind(selected.ToList());

    private async Task Unbind(List<Guid> ids)
    {
        busy = true;
        messages.Clear();
        try
        {
            var count = await Switch.UnbindAsync(ownerId, ids, CancellationToken.None);
            foreach (var id in ids)
            {
                Update(id, GridRules.NotIntegrated(id, GridIntegration.NotBound));
            }

            selected.Clear();
            messages.Add(new Message(Severity.Info, count == 1 ? "Unbound: the charger no longer receives grid rules and cannot discharge." : $"Unbound {count} chargers."));
        }
        finally
        {
            busy = false;
        }
    }

    private async Task AllowAsync(ChargerRow row, bool allow)
    {
        if (await Switch.SetAllowDischargeAsync(ownerId, row.EvseId, allow, CancellationToken.None))
        {
            var index = rows!.FindIndex(r => r.EvseId == row.EvseId);
            rows[index] = rows[index] with { OwnerAllowsDischarge = allow };
        }
        else
        {
            messages.Add(new Message(Severity.Error, ChargerGridSwitch.NotYours));
        }
    }

    private void Update(Guid evseId, GridRules rules)
    {
        var index = rows!.FindIndex(r => r.EvseId == evseId);
        if (index >= 0)
        {
            rows[index] = rows[index] with { Rules = rules };
        }
    }

    private sealed record Message(Severity Severity, string Text);
}
