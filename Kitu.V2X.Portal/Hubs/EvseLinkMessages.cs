using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// Keeps every connected EVSE told what it must enforce itself (seed §2.6): the grid rules in force for it (from the
/// grid layer, by EVSE id only) and its owner's policy — on connect, and whenever either changes. With several
/// instances, the instance holding the link greets it and relays its grid rules; a policy changed on any instance
/// reaches the link wherever it is (the link bridge).
/// </summary>
public sealed partial class EvseLinkMessages(
    EvseConnections connections,
    GridRulesFeed grid,
    GridClientWorker worker,
    IServiceScopeFactory scopes,
    ILogger<EvseLinkMessages> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        connections.Connected += OnConnected;
        grid.Changed += OnGridChanged;
        worker.Residents.ServerChanged += OnServerChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        connections.Connected -= OnConnected;
        grid.Changed -= OnGridChanged;
        worker.Residents.ServerChanged -= OnServerChanged;
        return Task.CompletedTask;
    }

    /// <summary>The message that tells an EVSE-resident client its server, or that it has none.</summary>
    public static GridServerMessage ServerMessage(ResidentServer? server) => server is null
        ? new GridServerMessage(false, null, null, null, null, null)
        : new GridServerMessage(true, server.ServerName, server.DeviceCapabilityUrl, server.TrustAnchorPem, server.RegistrationPin, server.MinimumPollSeconds);

    /// <summary>The owner bound, re-bound or unbound an EVSE that runs its own client: tell it over its link.</summary>
    private void OnServerChanged(Guid evseId)
    {
        if (connections.Get(evseId) is { IsLocal: true, Hello.RunsOwnGridClient: true } live) // each instance hears of it: the link's tells it
        {
            _ = live.Link.GridServerAsync(ServerMessage(worker.Residents.ServerFor(evseId)));
        }
    }

    /// <summary>Tells a live EVSE its owner's policy changed.</summary>
    public async Task PolicyChangedAsync(Guid evseId, bool allowDischarge, SitePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (connections.Get(evseId) is { } live)
        {
            await live.Link.OwnerPolicyAsync(new OwnerPolicyMessage(allowDischarge, policy.MaxExportKw, policy.SocFloorPercent));
        }
    }

    // The rules go out from the instance that holds the EVSE's link (each instance's grid layer has them), once.
    private void OnGridChanged(GridRules rules)
    {
        if (connections.Get(rules.EvseId) is { IsLocal: true } live)
        {
            _ = live.Link.GridRulesAsync(GridRulesMessage.From(rules));
        }
    }

    private void OnConnected(Guid evseId)
    {
        if (connections.Get(evseId) is { IsLocal: true })
        {
            _ = GreetAsync(evseId); // another instance's link is greeted by that instance
        }
    }

    private async Task GreetAsync(Guid evseId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var charger = await (from e in db.Evses.AsNoTracking()
                                 join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                                 where e.Id == evseId
                                 select new { e.OwnerAllowsDischarge, s.Policy }).SingleOrDefaultAsync();
            if (connections.Get(evseId) is not { } live)
            {
                return;
            }

            await live.Link.GridRulesAsync(GridRulesMessage.From(grid.Get(evseId)));
            if (charger is not null)
            {
                await live.Link.OwnerPolicyAsync(new OwnerPolicyMessage(charger.OwnerAllowsDischarge, charger.Policy.MaxExportKw, charger.Policy.SocFloorPercent));
            }
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or ObjectDisposedException)
        {
            LogGreetFailed(ex, evseId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not tell EVSE {EvseId} its grid rules and owner's policy")]
    private partial void LogGreetFailed(Exception ex, Guid evseId);
}
