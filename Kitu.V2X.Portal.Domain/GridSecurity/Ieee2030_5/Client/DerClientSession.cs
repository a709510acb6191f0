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
public sealed partial class DerClientSession
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
            DefaultFunctions = selection.Defaults,
            Schedule = [.. selection.Schedule.Select(e => new GridScheduledControl(e.MRid, e.ProgramDescription, e.Primacy, Local(e.EffectiveStart)!.Value, Local(e.EffectiveEnd)!.Value, e.Functions))],
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

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string Clock(DateTimeOffset? instant) =>
        instant is { } i ? i.UtcDateTime.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never";

    private static string Capitalized(string label) => char.ToUpperInvariant(label[0]) + label[1..];
}
