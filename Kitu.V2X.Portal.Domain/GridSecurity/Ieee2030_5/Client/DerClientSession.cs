using System.Globalization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>What the client needs to know about one bound EVSE: an opaque id, its 2030.5 identity, its rating.</summary>
public sealed record DeviceBinding(
    Guid EvseId,
    string ServerName,
    DeviceIdentity Identity,
    uint? RegistrationPin,
    double RatedChargeW,
    double RatedDischargeW);

/// <summary>Client tuning: the poll floor protects the server from a too-eager pollRate, and the client from a hostile one.</summary>
public sealed record DerClientOptions
{
    /// <summary>No resource is read more often than this, whatever pollRate says.</summary>
    public TimeSpan MinimumPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>No resource is read less often than this.</summary>
    public TimeSpan MaximumPollInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>After a failed exchange, the next try comes no later than this.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    public int PageSize { get; init; } = 32;

    /// <summary>A list longer than this is read only this far (a server cannot make the client read forever).</summary>
    public int MaxListItems { get; init; } = 256;
}

/// <summary>
/// One EVSE's 2030.5 client session: the discovery walk (DeviceCapability → Time → EndDevice, self-registering when
/// absent → Registration with the PIN check → FunctionSetAssignments → DERPrograms → DERControls, DefaultDERControl,
/// DERCurves), each resource re-read at its own pollRate, event selection, DERControlResponses where an event asks,
/// DERCapability and DERSettings from the EVSE's rating. Every outcome is a <see cref="GridRules"/> value; nothing
/// throws except cancellation. Not thread-safe: one poll at a time.
/// </summary>
public sealed class DerClientSession
{
    private readonly DeviceBinding binding;
    private readonly SepHttpClient client;
    private readonly DerClientOptions options;
    private readonly TimeProvider time;
    private readonly ControlSelector selector;
    private readonly Dictionary<string, (object Value, DateTimeOffset Due, uint Rate)> cache = new(StringComparer.Ordinal);
    private readonly HashSet<(string MRid, byte Status)> responsesSent = [];
    private string? endDeviceHref;
    private bool derInformationSent;
    private TimeSpan clockOffset;
    private TimeSpan interval;
    private DateTimeOffset? lastGoodContact;
    private Selection? lastSelection;

    public DerClientSession(DeviceBinding binding, SepHttpClient client, DerClientOptions options, TimeProvider time, Random random)
    {
        this.binding = binding;
        this.client = client;
        this.options = options;
        this.time = time;
        selector = new ControlSelector(random);
        interval = options.MaximumPollInterval;
        Rules = GridRules.NotIntegrated(binding.EvseId, GridIntegration.RulesMissing, $"Connecting to {binding.ServerName}…") with
        {
            ServerName = binding.ServerName,
            Sfdi = binding.Identity.Sfdi,
        };
        NextPollAt = time.GetUtcNow();
    }

    public Guid EvseId => binding.EvseId;

    /// <summary>The rules as of the last poll or evaluation.</summary>
    public GridRules Rules { get; private set; }

    /// <summary>When <see cref="PollAsync"/> should run next: the earliest due resource or event boundary.</summary>
    public DateTimeOffset NextPollAt { get; private set; }

    /// <summary>The last failure, when the last poll failed.</summary>
    public SepClientError? LastError { get; private set; }

    /// <summary>Server time minus local time, from the last Time read.</summary>
    public TimeSpan ClockOffset => clockOffset;

    /// <summary>Reads what is due (or everything, with <paramref name="refreshAll"/>), selects the controls in force and returns the rules.</summary>
    public async Task<GridRules> PollAsync(CancellationToken cancellationToken, bool refreshAll = false)
    {
        var now = time.GetUtcNow();
        if (refreshAll)
        {
            cache.Clear();
        }

        try
        {
            var pollRates = new List<uint>();
            var programs = await WalkAsync(now, pollRates, cancellationToken).ConfigureAwait(false);
            interval = Clamp(pollRates.Count == 0 ? Sep.DefaultPollRateSeconds : pollRates.Min());
            lastGoodContact = now;
            LastError = null;
            if (programs is null)
            {
                NextPollAt = Earliest(now + interval, now);
                return Rules;
            }

            var serverNow = (now + clockOffset).ToUnixTimeSeconds();
            lastSelection = selector.Select(programs.Value.Programs, serverNow, programs.Value.Curves);
            await RespondAsync(lastSelection, now, cancellationToken).ConfigureAwait(false);
            Rules = Build(lastSelection, now);
            NextPollAt = NextDue(now);
        }
        catch (SepClientException ex)
        {
            Fail(ex, now);
        }

        return Rules;
    }

    /// <summary>Re-checks validity without contacting the server: rules go stale after twice the poll interval.</summary>
    public GridRules Evaluate(DateTimeOffset now)
    {
        if (Rules.Integration == GridIntegration.Integrated && now >= Rules.ValidUntil)
        {
            Rules = Rules with
            {
                Integration = GridIntegration.Stale,
                IntegrationDetail = $"No good contact with {binding.ServerName} since {Clock(lastGoodContact)}; the last rules may no longer apply.",
                Functions = Ieee1547.Ieee1547Functions.None,
                ActiveControl = null,
            };
        }

        return Rules;
    }

    private void Fail(SepClientException ex, DateTimeOffset now)
    {
        LastError = ex.Error;
        cache.Clear();
        NextPollAt = now + Min(interval, options.RetryInterval);

        // Losing the server is not a reason to drop rules that are still valid: they go stale on schedule.
        // Anything else (a bad document, a certificate, an HTTP error, a timeout) means no rules until a good read.
        if (ex.Error == SepClientError.Unreachable && Rules.Integration == GridIntegration.Integrated && now < Rules.ValidUntil)
        {
            Rules = Rules with { IntegrationDetail = $"{binding.ServerName} unreachable since {Clock(now)}; the last rules hold until {Clock(Rules.ValidUntil)}." };
            return;
        }

        if (ex.Error == SepClientError.Unreachable && Rules.Integration is GridIntegration.Integrated or GridIntegration.Stale)
        {
            Evaluate(now);
            return;
        }

        Rules = GridRules.NotIntegrated(binding.EvseId, GridIntegration.Failed, $"{Capitalized(SepClientException.Label(ex.Error))}: {ex.Message}") with
        {
            ServerName = binding.ServerName,
            Sfdi = binding.Identity.Sfdi,
            LastContact = lastGoodContact,
        };
    }

    private async Task<(List<ProgramView> Programs, Dictionary<string, DerCurve> Curves)?> WalkAsync(DateTimeOffset now, List<uint> pollRates, CancellationToken ct)
    {
        var dcapHref = client.DeviceCapability.ToString();
        var dcap = await FetchAsync<DeviceCapability>(dcapHref, d => d.PollRate, now, pollRates, ct).ConfigureAwait(false);

        if (dcap.TimeLink is { } timeLink)
        {
            var fresh = !cache.ContainsKey(timeLink.Href) || cache[timeLink.Href].Due <= now;
            var tm = await FetchAsync<Time>(timeLink.Href, t => t.PollRate, now, pollRates, ct).ConfigureAwait(false);
            if (fresh)
            {
                clockOffset = DateTimeOffset.FromUnixTimeSeconds(tm.CurrentTime) - now;
            }
        }

        var endDevice = await FindSelfAsync(dcap, now, pollRates, ct).ConfigureAwait(false);
        if (endDevice is null)
        {
            return null;
        }

        if (endDevice.EnabledSpecified && !endDevice.Enabled)
        {
            NotRegistered($"{binding.ServerName} has disabled this device.");
            return null;
        }

        if (endDevice.RegistrationLink is null)
        {
            NotRegistered($"{binding.ServerName} has not registered this device yet (no Registration). Ask the utility to register SFDI {binding.Identity.SfdiDisplay}.");
            return null;
        }

        var registration = await FetchAsync<Registration>(endDevice.RegistrationLink.Href, r => r.PollRate, now, pollRates, ct).ConfigureAwait(false);
        if (binding.RegistrationPin is { } pin && registration.Pin != pin)
        {
            NotRegistered($"The registration PIN does not match the one {binding.ServerName} holds for this device. Check the PIN the utility gave.");
            return null;
        }

        await SendDerInformationAsync(endDevice, ct).ConfigureAwait(false);

        var programs = new List<ProgramView>();
        var curves = new Dictionary<string, DerCurve>(StringComparer.Ordinal);
        var programLists = new List<(string Href, uint PollRate)>();
        if (endDevice.FunctionSetAssignmentsListLink is { } fsaLink)
        {
            var fsaList = await FetchListAsync<FunctionSetAssignmentsList, FunctionSetAssignments>(fsaLink.Href, l => l.Items, l => l.PollRate, now, pollRates, ct).ConfigureAwait(false);
            programLists.AddRange(fsaList.Items.Where(f => f.DerProgramListLink is not null).Select(f => (f.DerProgramListLink!.Href, fsaList.PollRate)));
        }

        if (programLists.Count == 0 && dcap.DerProgramListLink is { } direct)
        {
            programLists.Add((direct.Href, dcap.PollRate));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (href, _) in programLists.DistinctBy(p => p.Href))
        {
            var list = await FetchListAsync<DerProgramList, DerProgram>(href, l => l.Items, l => l.PollRate, now, pollRates, ct).ConfigureAwait(false);
            foreach (var program in list.Items.Where(p => seen.Add(p.Href ?? p.MRid)))
            {
                programs.Add(await ReadProgramAsync(program, list.PollRate, curves, now, pollRates, ct).ConfigureAwait(false));
            }
        }

        return (programs, curves);
    }

    private async Task<ProgramView> ReadProgramAsync(DerProgram program, uint pollRate, Dictionary<string, DerCurve> curves, DateTimeOffset now, List<uint> pollRates, CancellationToken ct)
    {
        DefaultDerControl? defaults = null;
        if (program.DefaultDerControlLink is { } dd)
        {
            defaults = await FetchAsync<DefaultDerControl>(dd.Href, _ => pollRate, now, pollRates, ct).ConfigureAwait(false);
        }

        var controls = new List<DerControl>();
        if (program.DerControlListLink is { } dc)
        {
            controls = (await FetchListAsync<DerControlList, DerControl>(dc.Href, l => l.Items, _ => pollRate, now, pollRates, ct).ConfigureAwait(false)).Items;
        }

        if (program.DerCurveListLink is { } cl)
        {
            var list = await FetchListAsync<DerCurveList, DerCurve>(cl.Href, l => l.Items, _ => pollRate, now, pollRates, ct).ConfigureAwait(false);
            foreach (var curve in list.Items.Where(c => c.Href is not null))
            {
                curves[curve.Href!] = curve;
            }
        }

        return new ProgramView(program.MRid, program.Description, program.Primacy, defaults, controls);
    }

    /// <summary>Finds this device in the EndDeviceList by LFDI; registers it (POST EndDevice) when absent.</summary>
    private async Task<EndDevice?> FindSelfAsync(DeviceCapability dcap, DateTimeOffset now, List<uint> pollRates, CancellationToken ct)
    {
        if (endDeviceHref is not null)
        {
            return await FetchAsync<EndDevice>(endDeviceHref, _ => dcap.PollRate, now, pollRates, ct).ConfigureAwait(false);
        }

        var listLink = dcap.EndDeviceListLink
            ?? throw new SepClientException(SepClientError.Protocol, "The DeviceCapability has no EndDeviceListLink; this server cannot register devices.");
        var list = await client.GetAllAsync<EndDeviceList, EndDevice>(listLink.Href, l => l.Items, options.PageSize, options.MaxListItems, ct).ConfigureAwait(false);
        var self = list.FirstOrDefault(d => DeviceIdentity.SameLfdi(d.Lfdi, binding.Identity.Lfdi));
        if (self?.Href is null)
        {
            var created = new EndDevice
            {
                Lfdi = binding.Identity.Lfdi,
                Sfdi = binding.Identity.Sfdi,
                DeviceCategory = Sep.EvseDeviceCategory,
                ChangedTime = (now + clockOffset).ToUnixTimeSeconds(),
            };
            var location = await client.PostAsync(listLink.Href, created, ct).ConfigureAwait(false);
            if (location is null)
            {
                NotRegistered($"{binding.ServerName} did not accept this device's registration (no Location for the new EndDevice).");
                return null;
            }

            endDeviceHref = location;
            return await FetchAsync<EndDevice>(location, _ => dcap.PollRate, now, pollRates, ct).ConfigureAwait(false);
        }

        endDeviceHref = self.Href;
        cache[self.Href] = (self, now + Clamp(dcap.PollRate), dcap.PollRate);
        pollRates.Add(dcap.PollRate);
        return self;
    }

    /// <summary>Tells the server the EVSE's nameplate and settings once per session, so percent limits have a base.</summary>
    private async Task SendDerInformationAsync(EndDevice endDevice, CancellationToken ct)
    {
        if (derInformationSent || endDevice.DerListLink is null)
        {
            return;
        }

        var ders = await client.GetAllAsync<DerList, Der>(endDevice.DerListLink.Href, l => l.Items, options.PageSize, options.PageSize, ct).ConfigureAwait(false);
        if (ders.FirstOrDefault() is { } der)
        {
            var nowServer = (time.GetUtcNow() + clockOffset).ToUnixTimeSeconds();
            var maxW = Math.Max(binding.RatedChargeW, binding.RatedDischargeW);
            if (der.DerCapabilityLink is { } cap)
            {
                await client.PutAsync(cap.Href, new DerCapability
                {
                    Type = DerType.Evse,
                    ModesSupported = "00000000",
                    RtgMaxW = ActivePower.FromWatts(maxW),
                    RtgMaxChargeRateW = ActivePower.FromWatts(binding.RatedChargeW),
                    RtgMaxDischargeRateW = ActivePower.FromWatts(binding.RatedDischargeW),
                }, ct).ConfigureAwait(false);
            }

            if (der.DerSettingsLink is { } settings)
            {
                await client.PutAsync(settings.Href, new DerSettings
                {
                    SetMaxW = ActivePower.FromWatts(binding.RatedDischargeW),
                    SetMaxChargeRateW = ActivePower.FromWatts(binding.RatedChargeW),
                    SetMaxDischargeRateW = ActivePower.FromWatts(binding.RatedDischargeW),
                    UpdatedTime = nowServer,
                }, ct).ConfigureAwait(false);
            }
        }

        derInformationSent = true;
    }

    /// <summary>Posts the responses each event asks for (responseRequired bit 0: received; bit 1: started, completed, cancelled, superseded), once each.</summary>
    private async Task RespondAsync(Selection selection, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var state in selection.Events)
        {
            var control = state.Control;
            var bits = control.ResponseBits;
            if (control.ReplyTo is null || bits == 0 || state.Phase == EventPhase.NotForThisDevice)
            {
                continue;
            }

            var statuses = new List<byte>();
            if ((bits & 0x01) != 0)
            {
                statuses.Add(ResponseStatus.EventReceived);
            }

            if ((bits & 0x02) != 0)
            {
                byte? specific = state.Phase switch
                {
                    EventPhase.Active => ResponseStatus.EventStarted,
                    EventPhase.Completed => ResponseStatus.EventCompleted,
                    EventPhase.Cancelled => ResponseStatus.EventCancelled,
                    EventPhase.Superseded => ResponseStatus.EventSuperseded,
                    _ => null,
                };
                if (specific is { } s)
                {
                    statuses.Add(s);
                }
            }

            foreach (var status in statuses.Where(s => !responsesSent.Contains((control.MRid, s))))
            {
                await client.PostAsync(control.ReplyTo, new DerControlResponse
                {
                    CreatedDateTime = (now + clockOffset).ToUnixTimeSeconds(),
                    EndDeviceLfdi = binding.Identity.Lfdi,
                    Status = status,
                    Subject = control.MRid,
                }, ct).ConfigureAwait(false);
                responsesSent.Add((control.MRid, status));
            }
        }
    }

    private GridRules Build(Selection selection, DateTimeOffset now)
    {
        var functions = selection.Functions;
        var active = selection.Active is { } a
            ? new ActiveGridControl(a.MRid, a.ProgramDescription, a.Description, DateTimeOffset.FromUnixTimeSeconds(a.EffectiveEnd) - clockOffset)
            : null;
        return new GridRules
        {
            EvseId = binding.EvseId,
            Integration = GridIntegration.Integrated,
            Functions = functions,
            ExportLimitW = functions.MaxLimitPercent is { } percent ? binding.RatedDischargeW * percent / 100.0 : null,
            Sfdi = binding.Identity.Sfdi,
            ServerName = binding.ServerName,
            LastContact = now,
            ValidUntil = now + (2 * interval),
            ActiveControl = active,
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
    }

    private DateTimeOffset NextDue(DateTimeOffset now)
    {
        var next = now + interval;
        foreach (var (_, due, _) in cache.Values)
        {
            next = Earliest(next, due);
        }

        if (lastSelection?.NextChangeAt is { } change)
        {
            next = Earliest(next, DateTimeOffset.FromUnixTimeSeconds(change) - clockOffset);
        }

        return next < now ? now + options.MinimumPollInterval : next;
    }

    private async Task<T> FetchAsync<T>(string href, Func<T, uint> pollRateOf, DateTimeOffset now, List<uint> pollRates, CancellationToken ct)
        where T : class
    {
        if (cache.TryGetValue(href, out var hit) && hit.Due > now && hit.Value is T cached)
        {
            pollRates.Add(hit.Rate);
            return cached;
        }

        var value = await client.GetAsync<T>(href, ct).ConfigureAwait(false);
        var rate = pollRateOf(value);
        pollRates.Add(rate);
        cache[href] = (value, now + Clamp(rate), rate);
        return value;
    }

    private async Task<(List<TItem> Items, uint PollRate)> FetchListAsync<TList, TItem>(string href, Func<TList, List<TItem>> items, Func<TList, uint> pollRateOf, DateTimeOffset now, List<uint> pollRates, CancellationToken ct)
        where TList : SepList
    {
        if (cache.TryGetValue(href, out var hit) && hit.Due > now && hit.Value is List<TItem> cachedItems)
        {
            pollRates.Add(hit.Rate);
            return (cachedItems, hit.Rate);
        }

        uint rate = Sep.DefaultPollRateSeconds;
        var all = await client.GetAllAsync<TList, TItem>(href, page =>
        {
            rate = pollRateOf(page);
            return items(page);
        }, options.PageSize, options.MaxListItems, ct).ConfigureAwait(false);
        pollRates.Add(rate);
        cache[href] = (all, now + Clamp(rate), rate);
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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Clock(DateTimeOffset? instant) =>
        instant is { } i ? i.UtcDateTime.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    private static string Capitalized(string label) => char.ToUpperInvariant(label[0]) + label[1..];
}
