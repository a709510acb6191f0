using System.Globalization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>Client tuning: the poll floor protects the server from a too-eager pollRate, and the client from a hostile one.</summary>
public sealed record DerClientOptions
{
    /// <summary>No resource is read more often than this, whatever pollRate says; also the first back-off step.</summary>
    public TimeSpan MinimumPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No resource is read less often than this.</summary>
    public TimeSpan MaximumPollInterval { get; init; } = TimeSpan.FromHours(1);

    public int PageSize { get; init; } = 32;

    /// <summary>A list longer than this is read only this far (a server cannot make the client read forever).</summary>
    public int MaxListItems { get; init; } = 256;
}

/// <summary>
/// One EVSE's 2030.5 client session: the discovery walk (DeviceCapability → Time → EndDevice, self-registering when
/// absent → Registration with the PIN check → FunctionSetAssignments → DERPrograms → DERControls, DefaultDERControl,
/// DERCurves), each resource re-read at its own pollRate, event selection, DERControlResponses where an event asks
/// (once per event and status, remembered by the journal), and the DER resources (capability, settings, status,
/// availability) from the EVSE's rating and state.
/// <para>
/// Freshness: the rules are valid for twice the poll interval after the oldest read of the control resources they
/// come from — a walk served from the cache, a timeout or an error never extends them. With the server gone the last
/// known schedule keeps running (its events start and end on time) until that validity passes; then the EVSE is not
/// grid-integrated. Optional exchanges (the DER resources, responses) that fail are warnings, retried, and never drop
/// the controls in force. Failures and a missing registration back off with jitter between the poll floor and the
/// pollRate. Every outcome is a <see cref="GridRules"/> value; nothing throws except cancellation. Not thread-safe:
/// one poll at a time (<see cref="Update"/> and <see cref="Report"/> may be called from any thread).
/// </para>
/// </summary>
public sealed class DerClientSession
{
    private const string DerListWarning = "DERList";

    private readonly SepHttpClient client;
    private readonly DerClientOptions options;
    private readonly TimeProvider time;
    private readonly Random random;
    private readonly IDerResponseJournal journal;
    private readonly ControlSelector selector;
    private readonly Dictionary<string, CacheEntry> cache = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> warnings = new(StringComparer.Ordinal);
    private DeviceBinding binding;
    private DeviceBinding? pendingBinding;
    private DerDeviceStatus? deviceStatus;
    private string? endDeviceHref;
    private bool capabilitySent;
    private bool settingsSent;
    private DateTimeOffset statusDue;
    private TimeSpan postInterval;
    private TimeSpan clockOffset;
    private TimeSpan interval;
    private int failures;
    private DateTimeOffset? lastContact;
    private DateTimeOffset? controlsReadAt;
    private DateTimeOffset validUntil;
    private Walk? known;
    private Selection? lastSelection;

    public DerClientSession(DeviceBinding binding, SepHttpClient client, DerClientOptions options, TimeProvider time, Random random, IDerResponseJournal? journal = null)
    {
        ArgumentNullException.ThrowIfNull(binding);
        this.binding = binding;
        this.client = client;
        this.options = options;
        this.time = time;
        this.random = random;
        this.journal = journal ?? new InMemoryResponseJournal();
        selector = new ControlSelector(new EventRandomization(binding.Identity.Lfdi), binding.ModesSupported);
        interval = Clamp(Sep.DefaultPollRateSeconds);
        postInterval = interval;
        Rules = GridRules.NotIntegrated(binding.EvseId, GridIntegration.RulesMissing, $"Connecting to {binding.ServerName}…") with
        {
            ServerName = binding.ServerName,
            Sfdi = binding.Identity.Sfdi,
        };
        NextPollAt = time.GetUtcNow();
    }

    public Guid EvseId => binding.EvseId;

    public Guid ServerId => binding.ServerId;

    public string ServerName => binding.ServerName;

    /// <summary>The rules as of the last poll or evaluation.</summary>
    public GridRules Rules { get; private set; }

    /// <summary>When <see cref="PollAsync"/> should run next: the earliest due resource, event boundary or post.</summary>
    public DateTimeOffset NextPollAt { get; private set; }

    /// <summary>The last failure, when the last poll failed.</summary>
    public SepClientError? LastError { get; private set; }

    /// <summary>Failed polls (or polls without a registration) in a row.</summary>
    public int ConsecutiveFailures => failures;

    /// <summary>Server time minus local time, from the last Time read.</summary>
    public TimeSpan ClockOffset => clockOffset;

    /// <summary>The interval the server's pollRates ask for (clamped to the floor and ceiling).</summary>
    public TimeSpan PollInterval => interval;

    /// <summary>The EVSE's capabilities changed (its hello): DERCapability and DERSettings are sent again at the next poll.</summary>
    /// <summary>What the session knows of its device (with an update not yet taken).</summary>
    public DeviceBinding Binding => Volatile.Read(ref pendingBinding) ?? binding;

    public void Update(DeviceBinding updated)
    {
        ArgumentNullException.ThrowIfNull(updated);
        Volatile.Write(ref pendingBinding, updated);
    }

    /// <summary>The EVSE's operating state, for DERStatus and DERAvailability at the next post.</summary>
    public void Report(DerDeviceStatus status) => Volatile.Write(ref deviceStatus, status);

    /// <summary>
    /// Until when the rules in force may be used after a restart without a new read: their validity, or the next event
    /// boundary the known schedule holds, whichever comes first. Null when there is nothing worth restoring.
    /// </summary>
    public DateTimeOffset? RestorableUntil
    {
        get
        {
            if (Rules.Integration != GridIntegration.Integrated)
            {
                return null;
            }

            var until = Rules.ValidUntil;
            if (lastSelection?.NextChangeAt is { } change && DateTimeOffset.FromUnixTimeSeconds(change) - clockOffset < until)
            {
                until = DateTimeOffset.FromUnixTimeSeconds(change) - clockOffset;
            }

            return until;
        }
    }

    /// <summary>
    /// A restarted portal goes on with the rules it had (until <paramref name="until"/>), until the first good read
    /// from the server replaces them; a session that has already read the server ignores this.
    /// </summary>
    public void Restore(GridRules rules, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var now = time.GetUtcNow();
        if (Rules.Integration != GridIntegration.RulesMissing || known is not null || until <= now || rules.EvseId != binding.EvseId)
        {
            return;
        }

        validUntil = until;
        Rules = rules with
        {
            Integration = GridIntegration.Integrated,
            IntegrationDetail = $"The rules read before the portal restarted hold until {Clock(until)}, or until {binding.ServerName} answers.",
            ValidUntil = until,
            ServerName = binding.ServerName,
            Sfdi = binding.Identity.Sfdi,
        };
    }

    /// <summary>The scheduler holds this session back (its server keeps failing): no poll before <paramref name="until"/>.</summary>
    public void Defer(DateTimeOffset until, string why)
    {
        NextPollAt = until > NextPollAt ? until : NextPollAt;
        warnings["server"] = why;
        Rules = Rules with { Warnings = [.. warnings.Values] };
    }

    /// <summary>Reads what is due (or everything, with <paramref name="refreshAll"/>), selects the controls in force and returns the rules.</summary>
    public async Task<GridRules> PollAsync(CancellationToken cancellationToken, bool refreshAll = false)
    {
        ApplyPendingBinding();
        var now = time.GetUtcNow();
        warnings.Remove("server");
        if (refreshAll)
        {
            cache.Clear();
        }

        try
        {
            var walk = new Walk(now);
            var registered = await WalkAsync(walk, cancellationToken).ConfigureAwait(false);
            interval = Clamp(walk.PollRates.Count == 0 ? Sep.DefaultPollRateSeconds : walk.PollRates.Min());
            if (walk.Fetched)
            {
                lastContact = now;
            }

            LastError = null;
            if (!registered)
            {
                failures++;
                NextPollAt = now + Backoff();
                return Rules;
            }

            failures = 0;
            known = walk;
            controlsReadAt = walk.ControlReads.Count == 0 ? now : walk.ControlReads.Min();
            validUntil = walk.ControlValidity.Count == 0 ? now + (2 * interval) : walk.ControlValidity.Min();
            var serverNow = (now + clockOffset).ToUnixTimeSeconds();
            lastSelection = selector.Select(walk.Programs, serverNow, walk.Curves);
            await RespondAsync(lastSelection, now, cancellationToken).ConfigureAwait(false);
            Rules = Build(lastSelection, now, GridIntegration.Integrated, null);
            Rules = Evaluate(now);
            NextPollAt = NextDue(now);
        }
        catch (SepClientException ex)
        {
            Fail(ex, now);
        }

        return Rules;
    }

    /// <summary>
    /// Re-evaluates without contacting the server: the known schedule moves on at event boundaries, and the rules go
    /// stale once their validity has passed.
    /// </summary>
    public GridRules Evaluate(DateTimeOffset now)
    {
        if (known is not null && lastSelection?.NextChangeAt is { } change && (now + clockOffset).ToUnixTimeSeconds() >= change
            && Rules.Integration is GridIntegration.Integrated or GridIntegration.Stale)
        {
            lastSelection = selector.Select(known.Programs, (now + clockOffset).ToUnixTimeSeconds(), known.Curves);
            Rules = Build(lastSelection, now, Rules.Integration, Rules.IntegrationDetail);
        }

        if (Rules.Integration == GridIntegration.Integrated && now >= Rules.ValidUntil)
        {
            Rules = Rules with
            {
                Integration = GridIntegration.Stale,
                IntegrationDetail = $"No good contact with {binding.ServerName} since {Clock(controlsReadAt)}; the last rules may no longer apply.",
            };
        }

        return Rules;
    }

    private void ApplyPendingBinding()
    {
        if (Interlocked.Exchange(ref pendingBinding, null) is { } updated && updated != binding)
        {
            binding = updated with { EvseId = binding.EvseId, Identity = binding.Identity };
            selector.Supported = binding.ModesSupported;
            capabilitySent = false;
            settingsSent = false;
        }
    }

    private void Fail(SepClientException ex, DateTimeOffset now)
    {
        LastError = ex.Error;
        failures++;
        cache.Clear();
        NextPollAt = now + Backoff();
        var commsLoss = ex.Error is SepClientError.Unreachable or SepClientError.Timeout;
        if (!commsLoss)
        {
            // A resource that now fails (an EndDevice or FSA the server removed or moved) is found again from its list.
            endDeviceHref = null;
        }

        // Losing the server is not a reason to drop rules that are still valid: the known schedule runs on and goes
        // stale on time. Anything else (a bad document, a certificate, an HTTP error) means not integrated until a good read.
        if (commsLoss && Rules.Integration is GridIntegration.Integrated or GridIntegration.Stale)
        {
            Evaluate(now);
            if (Rules.Integration == GridIntegration.Integrated)
            {
                Rules = Rules with { IntegrationDetail = $"{binding.ServerName} {(ex.Error == SepClientError.Timeout ? "does not answer" : "unreachable")} since {Clock(now)}; the last rules hold until {Clock(Rules.ValidUntil)}." };
            }

            return;
        }

        Rules = GridRules.NotIntegrated(binding.EvseId, GridIntegration.Failed, $"{Capitalized(SepClientException.Label(ex.Error))}: {ex.Message}") with
        {
            ServerName = binding.ServerName,
            Sfdi = binding.Identity.Sfdi,
            LastContact = lastContact,
            Functions = Rules.Functions,
            Warnings = [.. warnings.Values],
        };
    }

    /// <summary>The delay after a failure: from the poll floor, doubling, up to the pollRate, with jitter.</summary>
    private TimeSpan Backoff()
    {
        var floor = options.MinimumPollInterval;
        var ceiling = interval > floor ? interval : floor;
        var step = floor.TotalSeconds * Math.Pow(2, Math.Min(20, Math.Max(0, failures - 1)));
        var delay = Math.Min(ceiling.TotalSeconds, step) * (0.75 + (0.25 * random.NextDouble()));
        return TimeSpan.FromSeconds(Math.Max(floor.TotalSeconds, delay));
    }

    /// <summary>The walk; false when the device is not (yet) registered with a matching PIN.</summary>
    private async Task<bool> WalkAsync(Walk walk, CancellationToken ct)
    {
        var dcap = await FetchAsync<DeviceCapability>(walk, client.DeviceCapability.ToString(), d => d.PollRate, ct).ConfigureAwait(false);

        if (dcap.TimeLink is { } timeLink)
        {
            var before = walk.Fetches;
            var tm = await FetchAsync<Time>(walk, timeLink.Href, t => t.PollRate, ct).ConfigureAwait(false);
            if (walk.Fetches > before)
            {
                clockOffset = DateTimeOffset.FromUnixTimeSeconds(tm.CurrentTime) - walk.Now;
            }
        }

        var endDevice = await FindSelfAsync(walk, dcap, ct).ConfigureAwait(false);
        if (endDevice is null)
        {
            return false;
        }

        if (endDevice.EnabledSpecified && !endDevice.Enabled)
        {
            NotRegistered($"{binding.ServerName} has disabled this device.");
            return false;
        }

        if (endDevice.RegistrationLink is null)
        {
            NotRegistered($"{binding.ServerName} has not registered this device yet (no Registration). Ask the utility to register SFDI {binding.Identity.SfdiDisplay}.");
            return false;
        }

        var registration = await FetchAsync<Registration>(walk, endDevice.RegistrationLink.Href, r => r.PollRate, ct).ConfigureAwait(false);
        if (binding.RegistrationPin is { } pin && registration.Pin != pin)
        {
            NotRegistered($"The registration PIN does not match the one {binding.ServerName} holds for this device. Check the PIN the utility gave.");
            return false;
        }

        await SendDerInformationAsync(walk, endDevice, ct).ConfigureAwait(false);

        var programLists = new List<(string Href, uint PollRate)>();
        if (endDevice.FunctionSetAssignmentsListLink is { } fsaLink)
        {
            var fsaList = await FetchListAsync<FunctionSetAssignmentsList, FunctionSetAssignments>(walk, fsaLink.Href, l => l.Items, l => l.PollRate, ct, control: true).ConfigureAwait(false);
            programLists.AddRange(fsaList.Items.Where(f => f.DerProgramListLink is not null).Select(f => (f.DerProgramListLink!.Href, fsaList.PollRate)));
        }

        if (programLists.Count == 0 && dcap.DerProgramListLink is { } direct)
        {
            programLists.Add((direct.Href, dcap.PollRate));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (href, _) in programLists.DistinctBy(p => p.Href))
        {
            var list = await FetchListAsync<DerProgramList, DerProgram>(walk, href, l => l.Items, l => l.PollRate, ct, control: true).ConfigureAwait(false);
            foreach (var program in list.Items.Where(p => seen.Add(p.Href ?? p.MRid)))
            {
                walk.Programs.Add(await ReadProgramAsync(walk, program, list.PollRate, ct).ConfigureAwait(false));
            }
        }

        return true;
    }

    private async Task<ProgramView> ReadProgramAsync(Walk walk, DerProgram program, uint pollRate, CancellationToken ct)
    {
        DefaultDerControl? defaults = null;
        if (program.DefaultDerControlLink is { } dd)
        {
            defaults = await FetchAsync<DefaultDerControl>(walk, dd.Href, _ => pollRate, ct, control: true).ConfigureAwait(false);
        }

        var controls = new List<DerControl>();
        if (program.DerControlListLink is { } dc)
        {
            controls = (await FetchListAsync<DerControlList, DerControl>(walk, dc.Href, l => l.Items, _ => pollRate, ct, control: true).ConfigureAwait(false)).Items;
        }

        if (program.DerCurveListLink is { } cl)
        {
            var list = await FetchListAsync<DerCurveList, DerCurve>(walk, cl.Href, l => l.Items, _ => pollRate, ct, control: true).ConfigureAwait(false);
            foreach (var curve in list.Items.Where(c => c.Href is not null))
            {
                walk.Curves[curve.Href!] = curve;
            }
        }

        return new ProgramView(program.MRid, program.Description, program.Primacy, defaults, controls);
    }

    /// <summary>Finds this device in the EndDeviceList by LFDI; registers it (POST EndDevice) when absent.</summary>
    private async Task<EndDevice?> FindSelfAsync(Walk walk, DeviceCapability dcap, CancellationToken ct)
    {
        if (endDeviceHref is not null)
        {
            return await FetchAsync<EndDevice>(walk, endDeviceHref, _ => dcap.PollRate, ct).ConfigureAwait(false);
        }

        var listLink = dcap.EndDeviceListLink
            ?? throw new SepClientException(SepClientError.Protocol, "The DeviceCapability has no EndDeviceListLink; this server cannot register devices.");
        walk.Fetches++;
        var list = await client.GetAllAsync<EndDeviceList, EndDevice>(listLink.Href, l => l.Items, options.PageSize, options.MaxListItems, ct).ConfigureAwait(false);
        var self = list.FirstOrDefault(d => DeviceIdentity.SameLfdi(d.Lfdi, binding.Identity.Lfdi));
        if (self?.Href is null)
        {
            var created = new EndDevice
            {
                Lfdi = binding.Identity.Lfdi,
                Sfdi = binding.Identity.Sfdi,
                DeviceCategory = Sep.EvseDeviceCategory,
                ChangedTime = (walk.Now + clockOffset).ToUnixTimeSeconds(),
            };
            var location = await client.PostAsync(listLink.Href, created, ct).ConfigureAwait(false);
            if (location is null)
            {
                NotRegistered($"{binding.ServerName} did not accept this device's registration (no Location for the new EndDevice).");
                return null;
            }

            endDeviceHref = location;
            return await FetchAsync<EndDevice>(walk, location, _ => dcap.PollRate, ct).ConfigureAwait(false);
        }

        endDeviceHref = self.Href;
        cache[self.Href] = new CacheEntry(self, walk.Now + Clamp(dcap.PollRate), dcap.PollRate, walk.Now);
        walk.PollRates.Add(dcap.PollRate);
        return self;
    }

    /// <summary>
    /// The DER resources (optional for the rules, so a failure is a warning and retried): the nameplate and settings
    /// once per session or after the EVSE's capabilities change, status and availability at the post rate.
    /// </summary>
    private async Task SendDerInformationAsync(Walk walk, EndDevice endDevice, CancellationToken ct)
    {
        if (endDevice.DerListLink is null)
        {
            warnings[DerListWarning] = $"{binding.ServerName} gives this device no DERList, so its nameplate and status cannot be reported.";
            return;
        }

        Der? der;
        uint derRate;
        try
        {
            var (items, rate) = await FetchListAsync<DerList, Der>(walk, endDevice.DerListLink.Href, l => l.Items, l => l.PollRate, ct).ConfigureAwait(false);
            der = items.FirstOrDefault();
            derRate = rate;
        }
        catch (SepClientException ex) when (ex.Error is not (SepClientError.Unreachable or SepClientError.Timeout))
        {
            warnings[DerListWarning] = $"The DERList could not be read ({SepClientException.Label(ex.Error)}: {ex.Message}); retried at the next poll.";
            return;
        }

        if (der is null)
        {
            warnings[DerListWarning] = $"{binding.ServerName}'s DERList for this device is empty, so its nameplate and status cannot be reported.";
            return;
        }

        warnings.Remove(DerListWarning);
        postInterval = endDevice.PostRateSpecified && endDevice.PostRate > 0 ? Clamp(endDevice.PostRate) : Clamp(derRate);
        var serverNow = (time.GetUtcNow() + clockOffset).ToUnixTimeSeconds();
        var b = binding;
        if (!capabilitySent && der.DerCapabilityLink is { } cap)
        {
            capabilitySent = await OptionalAsync("DERCapability", () => client.PutAsync(cap.Href, new DerCapability
            {
                Type = DerType.Evse,
                ModesSupported = DerFunctions.Hex(b.ModesSupported | DerControlModes.Charge | (b.RatedDischargeW > 0 ? DerControlModes.Discharge : 0)),
                RtgMaxChargeRateW = ActivePower.FromWatts(b.RatedChargeW),
                RtgMaxDischargeRateW = ActivePower.FromWatts(b.RatedDischargeW),
                RtgMaxW = ActivePower.FromWatts(b.RatedDischargeW),
                RtgVNom = b.NominalVoltageV is { } v ? VoltageRms.FromVolts(v) : null,
            }, ct)).ConfigureAwait(false);
        }

        if (!settingsSent && der.DerSettingsLink is { } settings)
        {
            settingsSent = await OptionalAsync("DERSettings", () => client.PutAsync(settings.Href, new DerSettings
            {
                ModesEnabled = DerFunctions.Hex(b.ModesSupported | DerControlModes.Charge | (b.RatedDischargeW > 0 ? DerControlModes.Discharge : 0)),
                SetGradW = (ushort)Math.Clamp(Math.Round(b.GradientPercentPerSecond * 100), 0, ushort.MaxValue),
                SetMaxChargeRateW = ActivePower.FromWatts(b.RatedChargeW),
                SetMaxDischargeRateW = ActivePower.FromWatts(b.RatedDischargeW),
                SetMaxW = ActivePower.FromWatts(b.RatedDischargeW),
                SetVNom = b.NominalVoltageV is { } v ? VoltageRms.FromVolts(v) : null,
                UpdatedTime = serverNow,
            }, ct)).ConfigureAwait(false);
        }

        if (walk.Now >= statusDue && Volatile.Read(ref deviceStatus) is { } state)
        {
            var sent = true;
            if (der.DerStatusLink is { } status)
            {
                sent &= await OptionalAsync("DERStatus", () => client.PutAsync(status.Href, Status(state, serverNow), ct)).ConfigureAwait(false);
            }

            if (der.DerAvailabilityLink is { } availability)
            {
                sent &= await OptionalAsync("DERAvailability", () => client.PutAsync(availability.Href, new DerAvailability
                {
                    ReadingTime = (state.ReadingTime + clockOffset).ToUnixTimeSeconds(),
                    StatWAvail = ActivePower.FromWatts(Math.Max(0, state.AvailableExportW)),
                }, ct)).ConfigureAwait(false);
            }

            statusDue = sent ? walk.Now + postInterval : walk.Now + options.MinimumPollInterval;
        }
    }

    private DerStatus Status(DerDeviceStatus state, long serverNow)
    {
        var at = (state.ReadingTime + clockOffset).ToUnixTimeSeconds();
        var connect = (byte)((state.Connected ? DerStatus.Connected : 0) | (state.Available ? DerStatus.Available : 0)
            | (state.Operating ? DerStatus.Operating : 0) | (state.Fault ? DerStatus.Fault : 0));
        byte inverter = state.Fault ? (byte)7 : !state.Connected ? (byte)1 : state.Operating ? (byte)4 : (byte)8; // fault, off, tracking, standby
        return new DerStatus
        {
            GenConnectStatus = new ConnectStatus { DateTime = at, Value = [connect] },
            InverterStatus = new StatusValue { DateTime = at, Value = inverter },
            OperationalModeStatus = new StatusValue { DateTime = at, Value = state.Connected ? (byte)2 : (byte)1 },
            ReadingTime = Math.Min(at, serverNow),
            StorageModeStatus = new StatusValue { DateTime = at, Value = (byte)state.Mode },
            StorConnectStatus = new ConnectStatus { DateTime = at, Value = [connect] },
        };
    }

    /// <summary>
    /// Posts the responses each event asks for, once per event and status (the journal remembers): bit 0 received
    /// (or 254 for an event first seen after it ended); bit 1 started, completed, cancelled, superseded; any bit, 252
    /// for an event of functions this device does not apply.
    /// </summary>
    private async Task RespondAsync(Selection selection, DateTimeOffset now, CancellationToken ct)
    {
        var failed = 0;
        foreach (var state in selection.Events)
        {
            var control = state.Control;
            var bits = control.ResponseBits;
            if (control.ReplyTo is null || bits == 0 || state.Phase == EventPhase.NotForThisDevice)
            {
                continue;
            }

            foreach (var status in Statuses(state, bits))
            {
                if (journal.WasPosted(control.MRid, status))
                {
                    continue;
                }

                var posted = await OptionalAsync($"response:{control.MRid}", () => client.PostAsync(control.ReplyTo, new DerControlResponse
                {
                    CreatedDateTime = (now + clockOffset).ToUnixTimeSeconds(),
                    EndDeviceLfdi = binding.Identity.Lfdi,
                    Status = status,
                    Subject = control.MRid,
                }, ct), warn: false).ConfigureAwait(false);
                if (!posted)
                {
                    failed++;
                    break; // the later statuses of this event wait for the earlier one
                }

                journal.Posted(control.MRid, status, now);
            }
        }

        if (failed > 0)
        {
            warnings["responses"] = $"{failed} event response{(failed == 1 ? "" : "s")} could not be posted to {binding.ServerName}; retried at the next poll.";
        }
        else
        {
            warnings.Remove("responses");
        }
    }

    private IEnumerable<byte> Statuses(EventState state, byte bits)
    {
        var mrid = state.Control.MRid;
        if (state.Phase == EventPhase.NotApplicable)
        {
            yield return ResponseStatus.RejectedNotApplicable;
            yield break;
        }

        var neverSeen = !journal.WasPosted(mrid, ResponseStatus.EventReceived) && !journal.WasPosted(mrid, ResponseStatus.EventStarted);
        if (state.Phase == EventPhase.Completed && neverSeen)
        {
            yield return ResponseStatus.RejectedExpired;
            yield break;
        }

        if ((bits & 0x01) != 0)
        {
            yield return ResponseStatus.EventReceived;
        }

        if ((bits & 0x02) == 0)
        {
            yield break;
        }

        switch (state.Phase)
        {
            case EventPhase.Active:
                yield return ResponseStatus.EventStarted;
                break;
            case EventPhase.Completed:
                yield return ResponseStatus.EventCompleted;
                break;
            case EventPhase.Cancelled:
                yield return ResponseStatus.EventCancelled;
                break;
            case EventPhase.Superseded:
                yield return ResponseStatus.EventSuperseded;
                break;
            default:
                break;
        }
    }

    /// <summary>Runs an exchange the rules do not depend on: a failure is a warning (unless told not to) and false.</summary>
    private async Task<bool> OptionalAsync(string what, Func<Task> exchange, bool warn = true)
    {
        try
        {
            await exchange().ConfigureAwait(false);
            warnings.Remove(what);
            return true;
        }
        catch (SepClientException ex)
        {
            if (warn)
            {
                warnings[what] = $"{what} not taken by {binding.ServerName} ({SepClientException.Label(ex.Error)}: {ex.Message}); retried at the next poll.";
            }

            return false;
        }
    }

    private GridRules Build(Selection selection, DateTimeOffset now, GridIntegration integration, string? detail)
    {
        var functions = selection.Functions;
        DateTimeOffset? Local(long? serverSeconds) => serverSeconds is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) - clockOffset : null;
        var active = selection.Active is { } a
            ? new ActiveGridControl(a.MRid, a.ProgramDescription, a.Description, Local(a.EffectiveEnd)!.Value)
            : null;
        var allWarnings = warnings.Values.Concat(selection.Problems).Distinct().ToList();
        return new GridRules
        {
            EvseId = binding.EvseId,
            Integration = integration,
            IntegrationDetail = detail,
            Functions = functions,
            ExportLimitW = functions.MaxLimitPercent is { } percent ? binding.RatedDischargeW * percent / 100.0 : null,
            Sfdi = binding.Identity.Sfdi,
            ServerName = binding.ServerName,
            LastContact = lastContact ?? now,
            ValidUntil = validUntil,
            ActiveControl = active,
            Controls = [.. selection.Sources.Select(s => new GridControlInForce(
                s.MRid, s.ProgramDescription, s.Description, Local(s.EffectiveStart), Local(s.EffectiveEnd), string.Join(',', s.Functions),
                TimeSpan.FromSeconds(s.StartOffset), TimeSpan.FromSeconds(s.DurationOffset), s.IsDefault))],
            Warnings = allWarnings,
        };
    }

    private void NotRegistered(string detail)
    {
        Rules = GridRules.NotIntegrated(binding.EvseId, GridIntegration.NotRegistered, detail) with
        {
            ServerName = binding.ServerName,
            Sfdi = binding.Identity.Sfdi,
            LastContact = time.GetUtcNow(),
        };

        // The server may register the device later: look again from the list, not from a cached EndDevice.
        endDeviceHref = null;
        cache.Clear();
        known = null;
        lastSelection = null;
    }

    private DateTimeOffset NextDue(DateTimeOffset now)
    {
        var next = now + interval;
        foreach (var entry in cache.Values)
        {
            next = Earliest(next, entry.Due);
        }

        if (lastSelection?.NextChangeAt is { } change)
        {
            next = Earliest(next, DateTimeOffset.FromUnixTimeSeconds(change) - clockOffset);
        }

        if (Volatile.Read(ref deviceStatus) is not null && statusDue > now)
        {
            next = Earliest(next, statusDue);
        }

        if (warnings.Count > 0)
        {
            next = Earliest(next, now + Backoff());
        }

        return next <= now ? now + options.MinimumPollInterval : next;
    }

    private async Task<T> FetchAsync<T>(Walk walk, string href, Func<T, uint> pollRateOf, CancellationToken ct, bool control = false)
        where T : class
    {
        if (cache.TryGetValue(href, out var hit) && hit.Due > walk.Now && hit.Value is T cached)
        {
            walk.Used(hit, control, Clamp(hit.Rate));
            return cached;
        }

        walk.Fetches++;
        var value = await client.GetAsync<T>(href, ct).ConfigureAwait(false);
        var rate = pollRateOf(value);
        var entry = new CacheEntry(value, walk.Now + Clamp(rate), rate, walk.Now);
        cache[href] = entry;
        walk.Used(entry, control, Clamp(rate));
        return value;
    }

    private async Task<(List<TItem> Items, uint PollRate)> FetchListAsync<TList, TItem>(Walk walk, string href, Func<TList, List<TItem>> items, Func<TList, uint> pollRateOf, CancellationToken ct, bool control = false)
        where TList : SepList
    {
        if (cache.TryGetValue(href, out var hit) && hit.Due > walk.Now && hit.Value is List<TItem> cachedItems)
        {
            walk.Used(hit, control, Clamp(hit.Rate));
            return (cachedItems, hit.Rate);
        }

        walk.Fetches++;
        uint rate = Sep.DefaultPollRateSeconds;
        var all = await client.GetAllAsync<TList, TItem>(href, page =>
        {
            rate = pollRateOf(page);
            return items(page);
        }, options.PageSize, options.MaxListItems, ct).ConfigureAwait(false);
        var entry = new CacheEntry(all, walk.Now + Clamp(rate), rate, walk.Now);
        cache[href] = entry;
        walk.Used(entry, control, Clamp(rate));
        return (all, rate);
    }

    private TimeSpan Clamp(uint seconds)
    {
        var value = TimeSpan.FromSeconds(seconds);
        return value < options.MinimumPollInterval ? options.MinimumPollInterval
            : value > options.MaximumPollInterval ? options.MaximumPollInterval
            : value;
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string Clock(DateTimeOffset? instant) =>
        instant is { } i ? i.UtcDateTime.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    private static string Capitalized(string label) => char.ToUpperInvariant(label[0]) + label[1..];

    /// <summary>A resource as last read: when it is due again, its pollRate, and when it was read from the server.</summary>
    private sealed record CacheEntry(object Value, DateTimeOffset Due, uint Rate, DateTimeOffset ReadAt);

    /// <summary>What one walk saw: the programs and curves, the pollRates met, and when the control resources were read.</summary>
    private sealed class Walk(DateTimeOffset now)
    {
        public DateTimeOffset Now { get; } = now;

        public List<ProgramView> Programs { get; } = [];

        public Dictionary<string, DerCurve> Curves { get; } = new(StringComparer.Ordinal);

        public List<uint> PollRates { get; } = [];

        public List<DateTimeOffset> ControlReads { get; } = [];

        /// <summary>Per control resource: its read plus twice its own poll interval.</summary>
        public List<DateTimeOffset> ControlValidity { get; } = [];

        public int Fetches { get; set; }

        public bool Fetched => Fetches > 0;

        public void Used(CacheEntry entry, bool control, TimeSpan interval)
        {
            PollRates.Add(entry.Rate);
            if (control)
            {
                ControlReads.Add(entry.ReadAt);
                ControlValidity.Add(entry.ReadAt + (2 * interval));
            }
        }
    }
}
