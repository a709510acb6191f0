using Kitu.V2X.Portal.Hubs;
using Microsoft.Extensions.Time.Testing;

namespace Kitu.V2X.Portal.Tests.Links;

/// <summary>A reconnect is not a new plug-in: the car an EVSE's link had taken stays taken for its next link.</summary>
public sealed class EvseConnectionsTests
{
    private static readonly Guid Evse = Guid.NewGuid();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    private static StatusMessage Plugged(string? car) => new(true, car, 60, true, -5, EvseState.Discharging, Guid.NewGuid());

    private (EvseConnections Connections, LiveEvse First) Linked(string car)
    {
        var connections = new EvseConnections(clock);
        var first = new LiveEvse(Evse, new FakeLink(), clock.GetUtcNow());
        connections.Add(first);
        connections.Report(first, Plugged(car), clock.GetUtcNow());
        Assert.True(connections.Accept(Evse, car)); // the claims judged it (a charger its driver trusts)
        return (connections, first);
    }

    [Fact]
    public void The_same_car_reported_by_the_next_link_is_at_once_where_it_was()
    {
        var (connections, first) = Linked("CAR-1");
        connections.Remove(Evse, first.ConnectionId);
        Assert.Null(connections.WhereIs("CAR-1"));

        clock.Advance(TimeSpan.FromSeconds(5));
        var second = new LiveEvse(Evse, new FakeLink(), clock.GetUtcNow());
        connections.Add(second);
        connections.Report(second, Plugged("CAR-1"), clock.GetUtcNow());

        Assert.Same(second, connections.WhereIs("CAR-1"));
    }

    [Fact]
    public void A_newer_link_replacing_the_old_keeps_the_car_too()
    {
        var (connections, _) = Linked("CAR-1");
        var second = new LiveEvse(Evse, new FakeLink(), clock.GetUtcNow());
        connections.Add(second);
        connections.Report(second, Plugged("CAR-1"), clock.GetUtcNow());

        Assert.Same(second, connections.WhereIs("CAR-1"));
    }

    [Fact]
    public void A_late_report_of_the_replaced_link_changes_nothing_and_does_not_take_the_car_from_the_new_one()
    {
        var (connections, first) = Linked("CAR-1");
        var second = new LiveEvse(Evse, new FakeLink(), clock.GetUtcNow());
        connections.Add(second);
        connections.Report(first, Plugged("CAR-1"), clock.GetUtcNow()); // the old link's last words, after the new one came
        connections.Report(second, Plugged("CAR-1"), clock.GetUtcNow());

        Assert.Same(second, connections.WhereIs("CAR-1"));
        connections.Report(first, new StatusMessage(false, null, null, false, 0, EvseState.Idle, null), clock.GetUtcNow());
        Assert.Same(second, connections.WhereIs("CAR-1"));
    }

    [Theory]
    [InlineData("CAR-2", 5)] // another car: a new claim to judge
    [InlineData("CAR-1", 11 * 60)] // back after longer than a reconnect: judged again
    public void Another_car_or_a_long_absence_is_judged_again(string reported, int secondsAway)
    {
        var (connections, first) = Linked("CAR-1");
        connections.Remove(Evse, first.ConnectionId);
        clock.Advance(TimeSpan.FromSeconds(secondsAway));
        var second = new LiveEvse(Evse, new FakeLink(), clock.GetUtcNow());
        connections.Add(second);
        connections.Report(second, Plugged(reported), clock.GetUtcNow());

        Assert.Null(connections.WhereIs(reported));
    }

    [Fact]
    public void Another_instances_link_is_mirrored_with_the_car_its_holder_took_and_a_local_claim_on_it_is_passed_on()
    {
        var connections = new EvseConnections(clock);
        var facts = 0;
        var claims = new List<(Guid, string)>();
        connections.FactsChanged += _ => facts++;
        connections.Claimed += (evse, car) => claims.Add((evse, car));
        var mirror = new LiveEvse(Evse, new FakeLink { IsLocal = false }, clock.GetUtcNow());
        connections.Add(mirror);

        connections.Mirror(mirror, null, Plugged("CAR-1"), accepted: null, claimed: null, clock.GetUtcNow());
        Assert.Null(connections.WhereIs("CAR-1")); // reported, not yet taken by the holder
        connections.Mirror(mirror, null, Plugged("CAR-1"), accepted: "CAR-1", claimed: null, clock.GetUtcNow());
        Assert.Same(mirror, connections.WhereIs("CAR-1"));
        Assert.True(facts >= 2);

        connections.Mirror(mirror, null, Plugged("CAR-1"), accepted: null, claimed: null, clock.GetUtcNow()); // the holder unlinked it (two chargers claim it)
        Assert.Null(connections.WhereIs("CAR-1"));

        var unread = new StatusMessage(true, null, 60, true, 0, EvseState.Idle, null);
        connections.Mirror(mirror, null, unread, accepted: null, claimed: null, clock.GetUtcNow());
        Assert.True(connections.Claim(Evse, "CAR-2")); // a driver on this instance: "I'm plugged in here"
        Assert.Equal((Evse, "CAR-2"), Assert.Single(claims)); // the bridge passes it to the holder
    }

    [Fact]
    public void A_local_link_is_never_overwritten_by_mirrored_news()
    {
        var (connections, first) = Linked("CAR-1");
        connections.Mirror(first, null, Plugged("CAR-9"), accepted: "CAR-9", claimed: null, clock.GetUtcNow());
        Assert.Same(first, connections.WhereIs("CAR-1"));
        Assert.Null(connections.WhereIs("CAR-9"));
    }
}
