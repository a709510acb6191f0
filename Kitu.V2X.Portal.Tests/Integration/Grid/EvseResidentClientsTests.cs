using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Grid;
using Microsoft.Extensions.Time.Testing;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>The grid module's view of EVSEs that run their own 2030.5 client: what it takes from them and when it stops believing them.</summary>
public sealed class EvseResidentClientsTests
{
    private const string Lfdi = "1F27BDB1707CA0FEB1A8AF87EC2FE038EAD3C231";
    private const ulong Sfdi = 83631705836;

    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private readonly List<GridRules> published = [];
    private readonly GridBinding binding = new() { EvseId = Guid.NewGuid(), Lfdi = Lfdi, Sfdi = Sfdi, RatedDischargeW = 20_000, ClientLocation = GridClientLocation.Evse, RegistrationPin = 111115 };
    private readonly ApprovedServer server = new() { Name = "Utility A", UtilityName = "A", DeviceCapabilityUrl = "https://a.example/dcap", TrustAnchorPem = "-----BEGIN CERTIFICATE-----" };

    private EvseResidentClients Residents() => new(published.Add, new GridOptions { MinimumPollSeconds = 10 }, clock);

    [Fact]
    public void Binding_tells_the_evse_its_server_and_waits_for_its_report()
    {
        var residents = Residents();
        var told = new List<Guid>();
        residents.ServerChanged += told.Add;

        residents.Start(binding, server);

        Assert.Equal([binding.EvseId], told);
        var sent = residents.ServerFor(binding.EvseId)!;
        Assert.Equal(("Utility A", "https://a.example/dcap", 111115u), (sent.ServerName, sent.DeviceCapabilityUrl, sent.RegistrationPin!.Value));
        Assert.Equal(GridIntegration.RulesMissing, published[^1].Integration);
        Assert.True(published[^1].ReportedByEvse);
    }

    [Fact]
    public void A_report_becomes_the_rules_in_force_valid_for_at_most_twice_the_poll_rate()
    {
        var residents = Residents();
        residents.Start(binding, server);

        var refusal = residents.Report(binding.EvseId, Report(pollRate: 30, validUntil: clock.GetUtcNow().AddHours(1), functions: new Ieee1547Functions { MaxLimitPercent = 50 }));

        Assert.Null(refusal);
        var rules = published[^1];
        Assert.Equal(GridIntegration.Integrated, rules.Integration);
        Assert.Equal(clock.GetUtcNow().AddSeconds(60), rules.ValidUntil);
        Assert.Equal(10_000, rules.ExportLimitW);
        Assert.Equal("Utility A", rules.ServerName);
    }

    [Fact]
    public void Silence_past_twice_the_poll_rate_is_not_grid_integrated()
    {
        var residents = Residents();
        residents.Start(binding, server);
        residents.Report(binding.EvseId, Report(pollRate: 30));

        clock.Advance(TimeSpan.FromSeconds(59));
        residents.Sweep();
        Assert.Equal(GridIntegration.Integrated, published[^1].Integration);

        clock.Advance(TimeSpan.FromSeconds(1));
        residents.Sweep();
        Assert.Equal(GridIntegration.Stale, published[^1].Integration);
        Assert.False(published[^1].IsIntegratedAt(clock.GetUtcNow()));
    }

    [Fact]
    public void The_poll_rate_floor_bounds_how_long_a_report_counts()
    {
        var residents = Residents();
        residents.Start(binding, server);

        residents.Report(binding.EvseId, Report(pollRate: 1));

        Assert.Equal(clock.GetUtcNow().AddSeconds(20), published[^1].ValidUntil);
    }

    [Fact]
    public void A_report_naming_another_device_is_refused_and_changes_nothing()
    {
        var residents = Residents();
        residents.Start(binding, server);
        var before = published.Count;

        var refusal = residents.Report(binding.EvseId, Report() with { Lfdi = "00" + Lfdi[2..] });

        Assert.StartsWith("The report names another device", refusal, StringComparison.Ordinal);
        Assert.Equal(before, published.Count);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(150.0)]
    [InlineData(-1.0)]
    public void A_report_with_a_limit_out_of_range_is_refused(double percent)
    {
        var residents = Residents();
        residents.Start(binding, server);

        var refusal = residents.Report(binding.EvseId, Report(functions: new Ieee1547Functions { MaxLimitPercent = percent }));

        Assert.Equal("opModMaxLimW must be between 0 and 100 %.", refusal);
    }

    [Fact]
    public void A_curve_of_more_than_ten_points_is_refused()
    {
        var residents = Residents();
        residents.Start(binding, server);
        var points = Enumerable.Range(0, 11).Select(i => new CurvePoint(90 + i, 100 - i)).ToList();

        var refusal = residents.Report(binding.EvseId, Report(functions: new Ieee1547Functions { VoltWatt = new Curve("AB12", 12, points, 1) }));

        Assert.Equal("Curve AB12 must have 1 to 10 points.", refusal);
    }

    [Fact]
    public void An_evse_not_bound_as_resident_cannot_report()
    {
        var residents = Residents();

        Assert.Equal("This charger is not bound to a grid server with its own 2030.5 client.", residents.Report(binding.EvseId, Report()));
    }

    [Fact]
    public void Unbinding_tells_the_evse_it_has_no_server()
    {
        var residents = Residents();
        residents.Start(binding, server);
        var told = 0;
        residents.ServerChanged += _ => told++;

        residents.Stop(binding.EvseId);

        Assert.Equal(1, told);
        Assert.Null(residents.ServerFor(binding.EvseId));
        Assert.False(residents.IsResident(binding.EvseId));
    }

    private ResidentReport Report(uint pollRate = 10, DateTimeOffset? validUntil = null, Ieee1547Functions? functions = null) =>
        new(Lfdi, Sfdi, GridIntegration.Integrated, null, pollRate, clock.GetUtcNow(), validUntil, functions, [], null, []);
}
