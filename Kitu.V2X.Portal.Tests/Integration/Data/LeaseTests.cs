using Kitu.V2X.Portal.ScaleOut;

namespace Kitu.V2X.Portal.Tests.Integration.Data;

/// <summary>Leases on the shared store (SQLite, or PostgreSQL in that run of the suite): one holder at a time, renewed, taken over once expired, given up.</summary>
public sealed class LeaseTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);
    private readonly string store = TestStores.NewPortalStore("lease");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await using var db = TestStores.Portal(store);
        await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.MigrateAsync(db.Database, Ct);
    }

    public async ValueTask DisposeAsync() => await TestStores.DeleteAsync(store);

    private async Task<long?> HoldAsync(string holder, DateTimeOffset now)
    {
        await using var db = TestStores.Portal(store);
        return await LeaseStore.TryHoldAsync(db, "mediator", holder, Ttl, now, Ct);
    }

    [Fact]
    public async Task One_instance_holds_it_renews_it_and_another_takes_it_only_once_it_expired()
    {
        Assert.Equal(1, await HoldAsync("a", T0));
        Assert.Null(await HoldAsync("b", T0.AddSeconds(1)));
        Assert.Equal(1, await HoldAsync("a", T0.AddSeconds(5))); // renewed: held until T0 + 20 s, same token
        Assert.Null(await HoldAsync("b", T0.AddSeconds(16)));    // would have expired without the renewal

        Assert.Equal(2, await HoldAsync("b", T0.AddSeconds(20))); // expired: taken over, a newer token
        Assert.Null(await HoldAsync("a", T0.AddSeconds(21)));     // the old holder cannot renew it back

        await using var db = TestStores.Portal(store);
        var lease = Assert.Single(await LeaseStore.AllAsync(db, Ct));
        Assert.Equal(("b", T0.AddSeconds(35), 2L), (lease.Holder, lease.ExpiresAt, lease.Token));
    }

    [Fact]
    public async Task A_lease_given_up_is_taken_at_once_and_only_its_holder_can_give_it_up()
    {
        Assert.Equal(1, await HoldAsync("a", T0));
        await using (var db = TestStores.Portal(store))
        {
            await LeaseStore.ReleaseAsync(db, "mediator", "b", T0.AddSeconds(1), Ct); // not b's to give up
        }

        Assert.Null(await HoldAsync("b", T0.AddSeconds(2)));
        await using (var db = TestStores.Portal(store))
        {
            await LeaseStore.ReleaseAsync(db, "mediator", "a", T0.AddSeconds(3), Ct);
        }

        Assert.Equal(2, await HoldAsync("b", T0.AddSeconds(3)));
    }

    [Fact]
    public async Task Instances_racing_for_a_new_lease_leave_exactly_one_holder()
    {
        var holders = Enumerable.Range(0, 8).Select(i => $"instance-{i}").ToList();
        var tokens = await Task.WhenAll(holders.Select(h => Task.Run(() => HoldAsync(h, T0), Ct)));

        Assert.Single(tokens, t => t is not null);
    }
}
