using System.Collections.Concurrent;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The grid rules in force per EVSE id, pushed to whoever listens (pages, the EVSE hub, the mediator) when they
/// change. An EVSE with no session is <see cref="GridIntegration.NotBound"/>.
/// </summary>
public sealed class GridRulesFeed
{
    private readonly ConcurrentDictionary<Guid, GridRules> rules = new();

    /// <summary>Raised after the rules of one EVSE changed (anything but contact times).</summary>
    public event Action<GridRules>? Changed;

    /// <summary>The rules of every EVSE the grid layer knows (bound, or bound before).</summary>
    public IEnumerable<GridRules> All => rules.Values;

    public GridRules Get(Guid evseId) =>
        rules.TryGetValue(evseId, out var r) ? r : GridRules.NotIntegrated(evseId, GridIntegration.NotBound, "Not bound to a 2030.5 server.");

    /// <summary>Keeps the rules of one EVSE; true when they changed in content (listeners were told).</summary>
    public bool Publish(GridRules next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var previous = rules.GetValueOrDefault(next.EvseId);
        rules[next.EvseId] = next;
        if (next.SameContentAs(previous))
        {
            return false;
        }

        Changed?.Invoke(next);
        return true;
    }

    public void Remove(Guid evseId)
    {
        if (rules.TryRemove(evseId, out _))
        {
            Changed?.Invoke(Get(evseId));
        }
    }
}
