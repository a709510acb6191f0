using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Tests.Links;

/// <summary>A link that goes nowhere: it only exists in the registry.</summary>
internal sealed class FakeLink : IEvseLink
{
    public string ConnectionId { get; } = Guid.NewGuid().ToString("N");

    public string Transport => "test";

    public bool CarriesDischarge => true;

    public bool IsLocal { get; init; } = true;

    public bool Aborted { get; private set; }

    public void Abort()
    {
        Aborted = true;
    }

    public Task DischargeAsync(DischargeCommandMessage command) => Task.CompletedTask;

    public Task StopAsync(StopMessage stop) => Task.CompletedTask;

    public Task GridRulesAsync(GridRulesMessage rules) => Task.CompletedTask;

    public Task OwnerPolicyAsync(OwnerPolicyMessage policy) => Task.CompletedTask;

    public Task GridServerAsync(GridServerMessage server) => Task.CompletedTask;
}
