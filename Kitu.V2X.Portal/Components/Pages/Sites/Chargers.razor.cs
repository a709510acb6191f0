using System.Security.Claims;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Kitu.V2X.Portal.Components.Shared;
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
    private ChargerRow? identityFor;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private ChargerGridSwitch Switch { get; set; } = default!;

    [Inject] private GridRulesFeed Feed { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    public void Dispose() => Feed.Changed -= OnRulesChanged;

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        ownerId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        rows = [.. await Switch.ListAsync(ownerId, CancellationToken.None)];
        servers = await Switch.ServersAsync(CancellationToken.None);
        Feed.Changed += OnRulesChanged;
    }

    private static TimeZoneInfo Zone(ChargerRow row) => Discharge.MediationFacts.Zone(row.TimeZoneId);

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
        identityFor = null;
        bindTargets = targets;
        serverId ??= servers.Count == 1 ? servers[0].Id : null;
        pin = null;
    }

    private void CloseBind() => bindTargets = null;

    private void OpenIdentity(ChargerRow row)
    {
        bindTargets = null;
        identityFor = row;
    }

    private ServerChoice? Server(Guid? id) => servers.FirstOrDefault(s => s.Id == id);

    private static string PinHelp(ServerChoice? server) => server is null
        ? "Six digits from your utility; the last is a check digit."
        : $"Six digits from {server.UtilityName}. {server.PinHint ?? "With its approval to connect the charger, or in its customer portal."}";

    /// <summary>A bound charger's identity changed: its grid status is read again.</summary>
    private Task ReloadRulesAsync()
    {
        if (identityFor is { } row)
        {
            Update(row.EvseId, Switch.Rules(row.EvseId));
        }

        return Task.CompletedTask;
    }

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
                messages.Add(rules switch
                {
                    { Integration: GridIntegration.Integrated } => new Message(Severity.Success, $"{result.Name}: registered with {rules.ServerName}."),
                    { Integration: GridIntegration.RulesMissing, ReportedByEvse: true } => new Message(Severity.Info, $"{result.Name}: {GridStatusText.Describe(rules, TimeZoneInfo.Utc)}"),
                    _ => new Message(Severity.Warning, $"{result.Name}: bound, but {GridStatusText.Describe(rules, TimeZoneInfo.Utc)}"),
                });
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

    private async Task UnbindAsync(ChargerRow row)
    {
        if (await Dialogs.ConfirmAsync($"Unbind {row.Name}?", $"{row.Name} stops receiving grid rules from {row.Rules.ServerName ?? "its grid server"} and cannot discharge until it is bound again; a discharge running there stops. Its 2030.5 identity is kept.", "Unbind"))
        {
            await Unbind([row.EvseId]);
        }
    }

    private async Task UnbindSelectedAsync()
    {
        if (await Dialogs.ConfirmAsync($"Unbind {selected.Count} chargers?", $"The {selected.Count} selected chargers stop receiving grid rules and cannot discharge until they are bound again; discharges running there stop. Their 2030.5 identities are kept.", "Unbind them"))
        {
            await Unbind(selected.ToList());
        }
    }

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
