using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// The 2030.5 client against the sandbox server as the CSIP client test procedures drive a client (their names are
/// the procedures', e.g. ALL-18 "Control Responses"; CSIP-AUS's import/export limits are replaced by
/// <c>opModMaxLimW</c>, the 2030.5-2018 export limit). Real TLS, scripted resources, one fake clock: responses and
/// derived rules are asserted at exact instants.
/// </summary>
public sealed class CsipClientConformanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DerControlBase Limit(int percent) => new() { OpModMaxLimW = (ushort)(percent * 100) };

    [Fact]
    public async Task ALL_02_Discovery_with_in_band_registration_reports_the_true_nameplate()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var session = rig.Session(pin: 111115, modes: DerControlModes.Basic | DerControlModes.VoltVar);

        var rules = await session.PollAsync(Ct);

        Assert.Equal(GridIntegration.Integrated, rules.Integration);
        var device = Assert.Single(rig.State.Devices());
        Assert.Equal(1, rig.State.Requests.GetValueOrDefault("POST /edev"));
        Assert.Equal(10_000, device.Capability!.RtgMaxW.Watts); // the discharge rating: what the EVSE can export
        Assert.Equal(11_000, device.Capability.RtgMaxChargeRateW!.Watts);
        Assert.Equal(DerType.Evse, device.Capability.Type);
        Assert.Equal(DerControlModes.Basic | DerControlModes.VoltVar, DerFunctions.ParseHex(device.Capability.ModesSupported));
        Assert.Equal(240, device.Capability.RtgVNom!.Volts);
        Assert.Equal(2000, device.Settings!.SetGradW); // 20 %/s in hundredths of a percent
        Assert.Equal(10_000, device.Settings.SetMaxW.Watts);
    }

    [Fact]
    public async Task ALL_03_REJ_A_wrong_pin_is_refused_and_polls_back_off_to_the_poll_rate()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        var session = rig.Session(pin: 222224);

        await rig.RunAsync(session, TimeSpan.FromMinutes(10));

        Assert.Equal(GridIntegration.NotRegistered, session.Rules.Integration);
        Assert.Contains("PIN does not match", session.Rules.IntegrationDetail, StringComparison.Ordinal);
        // Floor 10 s doubling up to the pollRate (60 s): 10, 20, 40, 60, 60, … with jitter ⇒ at most 14 walks in 10 min.
        var walks = rig.State.Requests.GetValueOrDefault("GET /edev/0/rg");
        Assert.InRange(walks, 3, 14);
        Assert.Equal(1, rig.State.Requests.GetValueOrDefault("POST /edev")); // registered once, not again on every try
    }

    [Fact]
    public async Task ALL_05_Without_a_registration_link_the_device_is_not_registered_and_never_polls_in_a_tight_loop()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 30).StartAsync();
        rig.State.WithholdRegistration = true;
        var session = rig.Session();

        await rig.RunAsync(session, TimeSpan.FromMinutes(1));

        Assert.Equal(GridIntegration.NotRegistered, session.Rules.Integration);
        Assert.Contains("has not registered this device", session.Rules.IntegrationDetail, StringComparison.Ordinal);
        Assert.InRange(rig.State.Requests.GetValueOrDefault("GET /dcap"), 1, 5); // ≥ 10 s apart, then further
        Assert.True(session.NextPollAt - rig.Now >= TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ALL_18_Control_responses_received_started_completed_and_cancelled_once_each()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var session = rig.Session();
        var first = rig.State.Schedule(0, Limit(60), rig.Now, TimeSpan.FromSeconds(120), "DERC1");

        await rig.RunAsync(session, TimeSpan.FromSeconds(30));
        Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventStarted], rig.Responses(first).Select(r => r.Status!.Value));

        await rig.RunAsync(session, TimeSpan.FromSeconds(100));
        Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventStarted, ResponseStatus.EventCompleted], rig.Responses(first).Select(r => r.Status!.Value));

        var second = rig.State.Schedule(0, Limit(70), rig.Now, TimeSpan.FromSeconds(600), "DERC2");
        await rig.RunAsync(session, TimeSpan.FromSeconds(20));
        Assert.True(rig.State.Cancel(second));
        await rig.RunAsync(session, TimeSpan.FromSeconds(20));
        var third = rig.State.Schedule(0, Limit(0), rig.Now + TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(120), "DERC3");
        await rig.RunAsync(session, TimeSpan.FromSeconds(20));
        Assert.True(rig.State.Cancel(third));
        await rig.RunAsync(session, TimeSpan.FromSeconds(60));

        Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventStarted, ResponseStatus.EventCancelled], rig.Responses(second).Select(r => r.Status!.Value));
        Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventCancelled], rig.Responses(third).Select(r => r.Status!.Value));
        Assert.Null(session.Rules.ExportLimitPercent);
        Assert.All(rig.State.Devices()[0].Responses, r => Assert.Equal(rig.State.Devices()[0].Lfdi, r.EndDeviceLfdi));
    }

    [Fact]
    public async Task ALL_20_A_changed_poll_rate_is_followed()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        var session = rig.Session();
        await session.PollAsync(Ct);
        Assert.Equal(TimeSpan.FromSeconds(60), session.NextPollAt - rig.Now);

        rig.State.SetPollRate(120);
        await rig.RunAsync(session, TimeSpan.FromSeconds(61)); // the next poll reads the new rate
        var polls = rig.State.Requests.GetValueOrDefault("GET /derp");
        await rig.RunAsync(session, TimeSpan.FromMinutes(10));

        Assert.Equal(TimeSpan.FromSeconds(120), session.PollInterval);
        Assert.InRange(rig.State.Requests.GetValueOrDefault("GET /derp") - polls, 4, 6); // every 120 s for 10 min
    }

    [Fact]
    public async Task ALL_21_Scheduling_back_to_back_events_take_over_at_their_exact_boundaries()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        var start = rig.Now + TimeSpan.FromSeconds(30);
        int[] limits = [30, 60, 40, 50];
        var mrids = limits.Select((l, i) => rig.State.Schedule(0, Limit(l), start + TimeSpan.FromMinutes(i), TimeSpan.FromMinutes(1), $"DERC{i + 1}")).ToList();
        var session = rig.Session();
        await session.PollAsync(Ct);

        for (var i = 0; i < limits.Length; i++)
        {
            var boundary = start + TimeSpan.FromMinutes(i);
            await rig.RunAsync(session, boundary - TimeSpan.FromSeconds(1) - rig.Now);
            Assert.Equal(i == 0 ? null : limits[i - 1], session.Rules.ExportLimitPercent);
            await rig.RunAsync(session, TimeSpan.FromSeconds(1));
            Assert.Equal(GridIntegration.Integrated, session.Rules.Integration);
            Assert.Equal(limits[i], session.Rules.ExportLimitPercent);
            Assert.Equal(boundary + TimeSpan.FromMinutes(1), session.Rules.SourceOf("opModMaxLimW")!.End);
        }

        await rig.RunAsync(session, TimeSpan.FromMinutes(2));
        Assert.Null(session.Rules.ExportLimitPercent);
        Assert.All(mrids, m => Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventStarted, ResponseStatus.EventCompleted], rig.Responses(m).Select(r => r.Status!.Value)));
    }

    [Fact]
    public async Task ALL_22_Randomisation_is_applied_per_device_stable_across_polls_and_restarts_and_shown()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var start = rig.Now + TimeSpan.FromSeconds(60);
        var mrid = rig.State.Schedule(0, Limit(25), start, TimeSpan.FromSeconds(120), "DERC1", randomizeStart: 60, randomizeDuration: 30);
        var certificates = Enumerable.Range(0, 6).Select(_ => rig.DeviceCertificate()).ToList();
        var sessions = certificates.Select(c => rig.Session(deviceCertificate: c)).ToList();
        foreach (var session in sessions)
        {
            await session.PollAsync(Ct);
        }

        rig.Clock.Advance(TimeSpan.FromSeconds(121)); // past the latest randomized start
        var offsets = new List<TimeSpan>();
        for (var i = 0; i < sessions.Count; i++)
        {
            var rules = sessions[i].Evaluate(rig.Now);
            var source = Assert.Single(rules.Controls, c => c.MRid == mrid);
            Assert.InRange(source.RandomizedStart.TotalSeconds, 0, 60);
            Assert.InRange(source.RandomizedDuration.TotalSeconds, 0, 30);
            Assert.Equal(start + source.RandomizedStart, source.Start);
            Assert.Equal(start + source.RandomizedStart + TimeSpan.FromSeconds(120) + source.RandomizedDuration, source.End);
            if (source.RandomizedStart > TimeSpan.Zero)
            {
                Assert.Contains("start was moved by", GridStatusText.Now(rules, TimeZoneInfo.Utc), StringComparison.Ordinal);
            }

            // The same device after a restart (a new session, the same certificate) draws the same offsets.
            var again = rig.Session(deviceCertificate: certificates[i]);
            await again.PollAsync(Ct);
            Assert.Equal(source, Assert.Single(again.Rules.Controls, c => c.MRid == mrid));
            offsets.Add(source.RandomizedStart);
        }

        Assert.True(offsets.Distinct().Count() > 1, "every device drew the same start offset");
    }

    [Fact]
    public async Task ALL_23_Communication_loss_the_known_schedule_runs_on_then_the_rules_go_stale_within_two_poll_rates()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        var later = rig.State.Schedule(0, Limit(20), rig.Now + TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(60), "DERC2");
        var session = rig.Session();
        var first = await session.PollAsync(Ct);
        var readAt = rig.Now;
        Assert.Equal(readAt + TimeSpan.FromSeconds(120), first.ValidUntil);

        await rig.Server.StopAsync(Ct);
        await rig.RunAsync(session, TimeSpan.FromSeconds(95)); // the event's boundary falls in the loss
        Assert.Equal(GridIntegration.Integrated, session.Rules.Integration);
        Assert.Equal(20, session.Rules.ExportLimitPercent); // DERC2 started on time from the known schedule
        Assert.Equal(readAt + TimeSpan.FromSeconds(120), session.Rules.ValidUntil); // neither the boundary nor the failed polls extended it

        await rig.RunAsync(session, TimeSpan.FromSeconds(25));
        Assert.Equal(GridIntegration.Stale, session.Rules.Integration);
        Assert.False(session.Rules.IsIntegratedAt(rig.Now));
        Assert.NotNull(later);
    }

    [Fact]
    public async Task A_poll_served_from_the_cache_at_an_event_boundary_never_extends_the_rules()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        rig.State.Schedule(0, Limit(40), rig.Now + TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), "DERC1");
        var session = rig.Session();
        var first = await session.PollAsync(Ct);

        rig.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(rig.Now, session.NextPollAt); // the boundary
        var derc = rig.State.Requests.GetValueOrDefault("GET /derp/0/derc");
        var atBoundary = await session.PollAsync(Ct);

        Assert.Equal(40, atBoundary.ExportLimitPercent);
        Assert.Equal(derc, rig.State.Requests.GetValueOrDefault("GET /derp/0/derc")); // served from the cache
        Assert.Equal(first.ValidUntil, atBoundary.ValidUntil);
    }

    [Fact]
    public async Task A_timeout_never_extends_the_rules_and_the_controls_in_force_hold_until_they_go_stale()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        rig.State.Schedule(0, Limit(40), rig.Now, TimeSpan.FromMinutes(10), "DERC1");
        var session = rig.Session(timeout: TimeSpan.FromMilliseconds(500));
        var first = await session.PollAsync(Ct);
        rig.State.Fault("/dcap", new SandboxFault(Hang: true));

        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var held = await session.PollAsync(Ct);

        Assert.Equal(SepClientError.Timeout, session.LastError);
        Assert.Equal(GridIntegration.Integrated, held.Integration);
        Assert.Equal(40, held.ExportLimitPercent);
        Assert.Equal(first.ValidUntil, held.ValidUntil);
        Assert.Contains("does not answer", held.IntegrationDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Supersession_a_newer_overlapping_event_of_the_same_program_supersedes_the_older_from_the_overlap_on()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var older = rig.State.Schedule(0, Limit(70), rig.Now, TimeSpan.FromMinutes(30), "Older");
        var session = rig.Session();
        await session.PollAsync(Ct);
        Assert.Equal(70, session.Rules.ExportLimitPercent);

        rig.Clock.Advance(TimeSpan.FromMinutes(1));
        var newer = rig.State.Schedule(0, Limit(30), rig.Now + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), "Newer");
        await rig.RunAsync(session, TimeSpan.FromMinutes(4));
        Assert.Equal(70, session.Rules.ExportLimitPercent); // before the overlap the older one still runs
        Assert.DoesNotContain(rig.Responses(older), r => r.Status == ResponseStatus.EventSuperseded);

        await rig.RunAsync(session, TimeSpan.FromMinutes(2));
        Assert.Equal(30, session.Rules.ExportLimitPercent);
        Assert.Contains(rig.Responses(older), r => r.Status == ResponseStatus.EventSuperseded); // the server never marked it

        await rig.RunAsync(session, TimeSpan.FromMinutes(12)); // the newer one ended: the older one does not come back
        Assert.Null(session.Rules.ExportLimitPercent);
        Assert.Equal(1, rig.Responses(older).Count(r => r.Status == ResponseStatus.EventSuperseded));
        Assert.DoesNotContain(rig.Responses(older), r => r.Status == ResponseStatus.EventCompleted);
        Assert.Contains(rig.Responses(newer), r => r.Status == ResponseStatus.EventCompleted);
    }

    [Fact]
    public async Task GEN_03_The_default_control_applies_when_no_event_does()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var program = rig.State.AddProgram(1, "Feeder 7", new DefaultDerControl { MRid = "DD000001", Base = Limit(30) });
        rig.State.Schedule(program, Limit(80), rig.Now + TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), "DERC1");
        var session = rig.Session();

        Assert.Equal(30, (await session.PollAsync(Ct)).ExportLimitPercent);
        Assert.True(session.Rules.SourceOf("opModMaxLimW")!.IsDefault);
        await rig.RunAsync(session, TimeSpan.FromSeconds(70));
        Assert.Equal(80, session.Rules.ExportLimitPercent);
        await rig.RunAsync(session, TimeSpan.FromSeconds(60));
        Assert.Equal(30, session.Rules.ExportLimitPercent);
    }

    [Fact]
    public async Task GEN_10_Primacy_each_function_from_the_highest_priority_program_and_each_with_its_own_until()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var contracted = rig.State.AddProgram(1, "Contracted");
        var other = rig.State.AddProgram(2, "Non-contractual");
        rig.State.Schedule(contracted, Limit(40), rig.Now, TimeSpan.FromMinutes(20), "Limit 40");
        rig.State.Schedule(other, new DerControlBase { OpModMaxLimW = 1000, OpModVoltVar = new DerCurveLink { Href = SandboxState.VoltVarCurveHref } }, rig.Now, TimeSpan.FromMinutes(40), "Limit 10 and volt-var");
        var session = rig.Session();

        var rules = await session.PollAsync(Ct);

        Assert.Equal(40, rules.ExportLimitPercent);
        Assert.NotNull(rules.Functions.VoltVar);
        var now = GridStatusText.Now(rules, TimeZoneInfo.Utc);
        Assert.Contains($"export limited to 40 % until {GridStatusText.Clock(rig.Now + TimeSpan.FromMinutes(20), TimeZoneInfo.Utc)}", now, StringComparison.Ordinal);
        Assert.Contains($"volt-var curve in force until {GridStatusText.Clock(rig.Now + TimeSpan.FromMinutes(40), TimeZoneInfo.Utc)}", now, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_of_functions_the_evse_cannot_apply_is_answered_252_and_never_applied()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var voltVarOnly = rig.State.Schedule(0, new DerControlBase { OpModVoltVar = new DerCurveLink { Href = SandboxState.VoltVarCurveHref } }, rig.Now, TimeSpan.FromMinutes(10), "Volt-var");
        var mixed = rig.State.Schedule(0, new DerControlBase { OpModMaxLimW = 5000, OpModVoltWatt = new DerCurveLink { Href = SandboxState.VoltWattCurveHref } }, rig.Now, TimeSpan.FromMinutes(10), "Limit and volt-watt");
        var session = rig.Session(modes: DerControlModes.Basic);

        var rules = await session.PollAsync(Ct);

        Assert.Null(rules.Functions.VoltVar);
        Assert.Null(rules.Functions.VoltWatt);
        Assert.Equal(50, rules.ExportLimitPercent); // what it can apply of the mixed event, it applies
        Assert.Equal([ResponseStatus.RejectedNotApplicable], rig.Responses(voltVarOnly).Select(r => r.Status!.Value));
        Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventStarted], rig.Responses(mixed).Select(r => r.Status!.Value));
    }

    [Fact]
    public async Task An_event_first_seen_after_it_ended_is_answered_254()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var ended = rig.State.Schedule(0, Limit(10), rig.Now - TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(10), "Over");

        await rig.Session().PollAsync(Ct);

        Assert.Equal([ResponseStatus.RejectedExpired], rig.Responses(ended).Select(r => r.Status!.Value));
    }

    [Fact]
    public async Task A_restart_does_not_post_the_same_responses_again()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var journal = new InMemoryResponseJournal();
        var certificate = rig.DeviceCertificate();
        var mrid = rig.State.Schedule(0, Limit(50), rig.Now, TimeSpan.FromMinutes(2), "DERC1");
        await rig.Session(deviceCertificate: certificate, journal: journal).PollAsync(Ct);
        Assert.Equal(2, rig.Responses(mrid).Count);

        var restarted = rig.Session(deviceCertificate: certificate, journal: journal);
        await rig.RunAsync(restarted, TimeSpan.FromMinutes(3));

        Assert.Equal([ResponseStatus.EventReceived, ResponseStatus.EventStarted, ResponseStatus.EventCompleted], rig.Responses(mrid).Select(r => r.Status!.Value));
    }

    [Fact]
    public async Task Optional_exchanges_that_fail_are_warnings_retried_and_never_drop_the_controls()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        rig.State.Schedule(0, Limit(45), rig.Now, TimeSpan.FromMinutes(10), "DERC1");
        rig.State.Fault("/edev/0/der/0/dercap", new SandboxFault(StatusCode: 500));
        var session = rig.Session();
        session.Report(new DerDeviceStatus(rig.Now, true, true, false, StorageMode.Holding, 0, 10_000));

        var refused = await session.PollAsync(Ct);
        Assert.Equal(GridIntegration.Integrated, refused.Integration);
        Assert.Equal(45, refused.ExportLimitPercent);
        Assert.Contains(refused.Warnings, w => w.StartsWith("DERCapability not taken", StringComparison.Ordinal));
        Assert.Null(rig.State.Devices()[0].Capability);
        Assert.NotNull(rig.State.Devices()[0].Status);

        rig.State.Fault("/edev/0/der/0/dercap", null);
        await rig.RunAsync(session, TimeSpan.FromSeconds(15));
        Assert.Empty(session.Rules.Warnings);
        Assert.NotNull(rig.State.Devices()[0].Capability);

        rig.State.OfferDerList = false;
        await rig.RunAsync(session, TimeSpan.FromSeconds(30));
        Assert.Equal(GridIntegration.Integrated, session.Rules.Integration);
        Assert.Equal(45, session.Rules.ExportLimitPercent);
        Assert.Contains(session.Rules.Warnings, w => w.Contains("no DERList", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DERStatus_and_DERAvailability_are_posted_at_the_post_rate()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        rig.State.PostRate = 20;
        var session = rig.Session();
        session.Report(new DerDeviceStatus(rig.Now, true, true, true, StorageMode.Discharging, 5_000, 10_000));

        await rig.RunAsync(session, TimeSpan.FromSeconds(61));

        Assert.InRange(rig.State.Requests.GetValueOrDefault("PUT /edev/0/der/0/ders"), 3, 4); // at 0, 20, 40, 60 s
        var status = rig.State.Devices()[0].Status!;
        Assert.Equal((byte)StorageMode.Discharging, status.StorageModeStatus!.Value);
        Assert.Equal((byte)(DerStatus.Connected | DerStatus.Available | DerStatus.Operating), status.GenConnectStatus!.Value[0]);
        Assert.Equal(10_000, rig.State.Devices()[0].Availability!.StatWAvail!.Watts);
    }

    [Fact]
    public async Task An_end_device_href_that_starts_failing_is_found_again_from_its_list()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var session = rig.Session();
        await session.PollAsync(Ct);
        var listReads = rig.State.Requests.GetValueOrDefault("GET /edev");
        rig.State.Fault("/edev/0", new SandboxFault(StatusCode: 404));

        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var failed = await session.PollAsync(Ct);
        rig.State.Fault("/edev/0", null);
        await rig.RunAsync(session, TimeSpan.FromSeconds(30));

        Assert.Equal(GridIntegration.Failed, failed.Integration);
        Assert.True(rig.State.Requests.GetValueOrDefault("GET /edev") > listReads, "the client kept retrying the failing href instead of the list");
        Assert.Equal(GridIntegration.Integrated, session.Rules.Integration);
    }

    [Fact]
    public async Task After_a_restart_the_rules_held_go_on_until_their_validity_or_next_boundary_and_the_first_read_replaces_them()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60).StartAsync();
        rig.State.Schedule(0, Limit(40), rig.Now, TimeSpan.FromMinutes(1), "DERC1");
        var certificate = rig.DeviceCertificate();
        var before = rig.Session(deviceCertificate: certificate);
        var rules = await before.PollAsync(Ct);
        var until = before.RestorableUntil!.Value;
        Assert.Equal(rig.Now + TimeSpan.FromMinutes(1), until); // the event's end comes before the rules' validity (2 min)

        rig.State.Fault("/dcap", new SandboxFault(Hang: true));
        var after = rig.Session(deviceCertificate: certificate, evseId: rules.EvseId, timeout: TimeSpan.FromMilliseconds(300));
        after.Restore(rules, until);
        Assert.Equal((GridIntegration.Integrated, 40.0), (after.Rules.Integration, after.Rules.ExportLimitPercent));
        Assert.Contains("before the portal restarted", after.Rules.IntegrationDetail, StringComparison.Ordinal);
        await after.PollAsync(Ct); // the server does not answer: the restored rules hold
        Assert.Equal(GridIntegration.Integrated, after.Rules.Integration);

        rig.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(GridIntegration.Stale, after.Evaluate(rig.Now).Integration); // never past the boundary it knew of

        rig.State.Fault("/dcap", null);
        rig.Clock.Advance(TimeSpan.FromSeconds(20));
        var read = await after.PollAsync(Ct);
        Assert.Equal(GridIntegration.Integrated, read.Integration);
        Assert.Null(read.ExportLimitPercent); // the event is over: the fresh read says so
        after.Restore(rules, rig.Now + TimeSpan.FromMinutes(5));
        Assert.Null(after.Rules.ExportLimitPercent); // a session that has read the server ignores a restore
    }
}
