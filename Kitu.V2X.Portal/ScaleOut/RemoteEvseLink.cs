using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// An EVSE's link held by another portal instance, as this instance sees it through the <see cref="LinkBridge"/>: what
/// is sent to it goes over Redis to <see cref="Instance"/>, which hands it to the link it holds (SignalR or OCPP) if that
/// link is still the one with <see cref="ConnectionId"/>. What the EVSE reports comes back the same way.
/// </summary>
public sealed class RemoteEvseLink(LinkBridge bridge, Guid evseId, string instance, string connectionId, string transport, bool carriesDischarge) : IEvseLink
{
    public Guid EvseId { get; } = evseId;

    /// <summary>The instance that holds the link.</summary>
    public string Instance { get; } = instance;

    public string ConnectionId { get; } = connectionId;

    public string Transport { get; } = transport;

    public bool CarriesDischarge { get; } = carriesDischarge;

    public bool IsLocal => false;

    public void Abort() => _ = bridge.Order(this, new LinkBridge.Message { Kind = LinkBridge.Kinds.Abort });

    public Task DischargeAsync(DischargeCommandMessage command) => bridge.Order(this, new LinkBridge.Message { Kind = LinkBridge.Kinds.Discharge, Discharge = command });

    public Task StopAsync(StopMessage stop) => bridge.Order(this, new LinkBridge.Message { Kind = LinkBridge.Kinds.Stop, Stop = stop });

    public Task GridRulesAsync(GridRulesMessage rules) => bridge.Order(this, new LinkBridge.Message { Kind = LinkBridge.Kinds.Rules, Rules = rules });

    public Task OwnerPolicyAsync(OwnerPolicyMessage policy) => bridge.Order(this, new LinkBridge.Message { Kind = LinkBridge.Kinds.Policy, Policy = policy });

    public Task GridServerAsync(GridServerMessage server) => bridge.Order(this, new LinkBridge.Message { Kind = LinkBridge.Kinds.Server, Server = server });
}
