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

    public GridRules Get(Guid evseId) =>
        rules.TryGetValue(evseId, out var r) ? r : GridRules.NotIntegrated(evseId, GridIntegration.NotBound, "Not bound to a 2030.5 server.");

    public void Publish(GridRules next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var previous = rules.GetValueOrDefault(next.EvseId);
        rules[next.EvseId] = next;
        if (previous is null || Comparable(previous) != Comparable(next))
        {
            Changed?.Invoke(next);
        }
    }

    public void Remove(Guid evseId)
    {
        if (rules.TryRemove(evseId, out _))
        {
            Changed?.Invoke(Get(evseId));
        }
    }

    private static GridRules Comparable(GridRules r) => r with { LastContact = null, ValidUntil = default };
}
