using System.Collections.Concurrent;
using System.Globalization;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Sandbox;

/// <summary>A device the sandbox knows, by its certificate's LFDI (never a person).</summary>
public sealed record SandboxDevice(int Index, string Lfdi, ulong Sfdi, DateTimeOffset RegisteredAt)
{
    public DateTimeOffset LastSeen { get; set; }

    public DerCapability? Capability { get; set; }

    public DerSettings? Settings { get; set; }

    public DerStatus? Status { get; set; }

    public DerAvailability? Availability { get; set; }

    public List<DerControlResponse> Responses { get; } = [];
}

/// <summary>A control the grid admin issued, as the sandbox page lists it.</summary>
public sealed record SandboxControl(string MRid, string Description, DateTimeOffset Start, DateTimeOffset End, bool Cancelled, string Status);

/// <summary>How the sandbox misbehaves on one path, for tests of the client's defences.</summary>
public sealed record SandboxFault(int? StatusCode = null, TimeSpan? BodyDelayPerByte = null, bool Hang = false);

/// <summary>
/// The sandbox server's state, in memory: the devices that registered, DER programs with their default controls,
/// events and curves — one program for the grid admin's page, more for scripted tests — and optional faults. Every
/// resource it serves is element-ordered as the 2030.5 schema says. Thread-safe; <see cref="Changed"/> fires on
/// every change.
/// </summary>
public sealed partial class SandboxState(TimeProvider time, IOptions<SandboxOptions> options)
{
    public const string ProgramHref = "/derp/0";
    public const string VoltVarCurveHref = "/derp/0/dc/0";
    public const string VoltWattCurveHref = "/derp/0/dc/1";
    private const int MaxDevices = 50_000;
    private const int MaxResponsesPerDevice = 50;
    private const int MaxPrograms = 16;

    private readonly Lock gate = new();
    private readonly List<SandboxDevice> devices = [];
    private readonly Dictionary<string, SandboxDevice> byLfdi = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<SandboxProgram> programs = [SandboxProgram.Utility()];
    private readonly ConcurrentDictionary<string, SandboxFault> faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> requests = new(StringComparer.Ordinal);
    private uint? pollRate;

    public event Action? Changed;

    public uint PollRate => pollRate ?? options.Value.PollRateSeconds;

    public uint RegistrationPin => options.Value.RegistrationPin;

    /// <summary>When set, devices are listed without a RegistrationLink (CSIP: the utility has not registered them).</summary>
    public bool WithholdRegistration { get; set; }

    /// <summary>When set, the EndDevice's postRate (seconds) for DERStatus and DERAvailability.</summary>
    public uint? PostRate { get; set; }

    /// <summary>When false, devices get no DERList (the optional DER resources cannot be reported).</summary>
    public bool OfferDerList { get; set; } = true;

    private long Now => time.GetUtcNow().ToUnixTimeSeconds();

    // ---- what a grid admin does on the sandbox page ----

    public string LimitExport(int percent, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        return Issue($"Limit export {percent} % for {Minutes(duration)}", duration, new DerControlBase { OpModMaxLimW = (ushort)(percent * 100) });
    }

    public string CeaseToEnergize(TimeSpan duration) =>
        Issue($"Cease to energize for {Minutes(duration)}", duration, new DerControlBase { OpModEnergize = false });

    public string VoltVar(TimeSpan duration) =>
        Issue($"Volt-var curve for {Minutes(duration)}", duration, new DerControlBase { OpModVoltVar = new DerCurveLink { Href = VoltVarCurveHref } });

    public string VoltWatt(TimeSpan duration) =>
        Issue($"Volt-watt curve for {Minutes(duration)}", duration, new DerControlBase { OpModVoltWatt = new DerCurveLink { Href = VoltWattCurveHref } });

    public string FixedPowerFactor(TimeSpan duration) =>
        Issue($"Power factor 0.95 for {Minutes(duration)}", duration, new DerControlBase
        {
            OpModFixedPfInjectW = new PowerFactorWithExcitation { Displacement = 950, Excitation = true, Multiplier = -3 },
        });

    /// <summary>Cancels an event; false when no such event is in force or scheduled.</summary>
    public bool Cancel(string mrid) => SetStatus(mrid, EventStatus.Cancelled, "Cancelled by the grid admin");

    public IReadOnlyList<SandboxControl> Controls()
    {
        lock (gate)
        {
            var now = Now;
            return programs[0].Controls.OrderByDescending(c => c.CreationTime).Select(c =>
            {
                var end = c.Interval.Start + c.Interval.Duration;
                var cancelled = c.EventStatus.CurrentStatus is EventStatus.Cancelled or EventStatus.CancelledWithRandomization;
                var status = cancelled ? "Cancelled" : c.EventStatus.CurrentStatus == EventStatus.Superseded ? "Superseded"
                    : now < c.Interval.Start ? "Scheduled" : now < end ? "Active" : "Completed";
                return new SandboxControl(c.MRid, c.Description ?? c.MRid, DateTimeOffset.FromUnixTimeSeconds(c.Interval.Start), DateTimeOffset.FromUnixTimeSeconds(end), cancelled, status);
            }).ToList();
        }
    }

    public IReadOnlyList<SandboxDevice> Devices()
    {
        lock (gate)
        {
            return [.. devices];
        }
    }

    // ---- scripting, as a utility's server would behave (tests and the conformance suite) ----

    /// <summary>Adds a DER program; returns its index (its href is <c>/derp/{index}</c>).</summary>
    public int AddProgram(byte primacy, string description, DefaultDerControl? defaultControl = null)
    {
        lock (gate)
        {
            if (programs.Count >= MaxPrograms)
            {
                throw new InvalidOperationException($"The sandbox holds at most {MaxPrograms} programs.");
            }

            var index = programs.Count;
            if (defaultControl is not null)
            {
                defaultControl.Href = $"/derp/{index}/dderc";
            }

            programs.Add(new SandboxProgram(index, $"5A00000000000000000000000000{index:X4}", Short(description), primacy) { Default = defaultControl });
            Changed?.Invoke();
            return index;
        }
    }

    /// <summary>Sets (or, with null, removes) a program's default control.</summary>
    public void SetDefault(int program, DefaultDerControl? defaultControl)
    {
        if (defaultControl is not null)
        {
            defaultControl.Href = $"/derp/{program}/dderc";
        }

        lock (gate)
        {
            programs[program].Default = defaultControl;
        }

        Changed?.Invoke();
    }

    /// <summary>Adds a curve to a program; returns its href for a control's curve link.</summary>
    public string AddCurve(int program, DerCurve curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        lock (gate)
        {
            var p = programs[program];
            curve.Href = $"/derp/{program}/dc/{p.Curves.Count}";
            p.Curves.Add(curve);
            Changed?.Invoke();
            return curve.Href;
        }
    }

    /// <summary>Schedules an event in a program, as a utility's server publishes one; returns its mRID.</summary>
    public string Schedule(
        int program,
        DerControlBase settings,
        DateTimeOffset start,
        TimeSpan duration,
        string description,
        DateTimeOffset? created = null,
        short? randomizeStart = null,
        short? randomizeDuration = null,
        string? responseRequired = "03",
        string? deviceCategory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "An event lasts between one second and one day.");
        }

        var mrid = Convert.ToHexString(Guid.NewGuid().ToByteArray()[..12]) + "00005A01";
        var createdAt = (created ?? time.GetUtcNow()).ToUnixTimeSeconds();
        var control = new DerControl
        {
            Href = $"/derp/{program}/derc/{mrid}",
            ReplyTo = responseRequired is null or "00" ? null : "/rsp",
            ResponseRequired = responseRequired,
            MRid = mrid,
            Description = Short(description),
            Version = 0,
            CreationTime = createdAt,
            EventStatus = new EventStatus { CurrentStatus = start.ToUnixTimeSeconds() <= Now ? EventStatus.Active : EventStatus.Scheduled, DateTime = createdAt },
            Interval = new DateTimeInterval { Start = start.ToUnixTimeSeconds(), Duration = (uint)duration.TotalSeconds },
            RandomizeDuration = randomizeDuration,
            RandomizeStart = randomizeStart,
            Base = settings,
            DeviceCategory = deviceCategory,
        };
        lock (gate)
        {
            programs[program].Controls.Add(control);
        }

        Changed?.Invoke();
        return mrid;
    }

    /// <summary>Sets an event's status (cancelled, superseded…); false when there is no such event or it is over.</summary>
    public bool SetStatus(string mrid, byte status, string? reason = null)
    {
        lock (gate)
        {
            var control = programs.SelectMany(p => p.Controls).FirstOrDefault(c => string.Equals(c.MRid, mrid, StringComparison.OrdinalIgnoreCase));
            if (control is null || control.EventStatus.CurrentStatus == status || control.Interval.Start + control.Interval.Duration <= Now)
            {
                return false;
            }

            control.EventStatus = new EventStatus { CurrentStatus = status, DateTime = Now, Reason = reason };
        }

        Changed?.Invoke();
        return true;
    }

    /// <summary>Every list and resource carries this pollRate from now on.</summary>
    public void SetPollRate(uint seconds)
    {
        pollRate = seconds;
        Changed?.Invoke();
    }

    /// <summary>Makes the server misbehave on one path (null clears it).</summary>
    public void Fault(string path, SandboxFault? fault)
    {
        if (fault is null)
        {
            faults.TryRemove(path, out _);
        }
        else
        {
            faults[path] = fault;
        }
    }

    public SandboxFault? FaultOn(string path) => faults.IsEmpty ? null : faults.GetValueOrDefault(path);

    /// <summary>Counts a request (for the poll-floor tests).</summary>
    public void Count(string method, string path) => requests.AddOrUpdate($"{method} {path}", 1, (_, n) => n + 1);

    /// <summary>Requests served so far, by "METHOD /path".</summary>
    public IReadOnlyDictionary<string, int> Requests => requests;

    public int RequestTotal => requests.Values.Sum();

    /// <summary>The responses every device posted for one event.</summary>
    public IReadOnlyList<DerControlResponse> ResponsesFor(string mrid)
    {
        lock (gate)
        {
            return [.. devices.SelectMany(d => d.Responses).Where(r => string.Equals(r.Subject, mrid, StringComparison.OrdinalIgnoreCase))];
        }
    }

    // ---- the 2030.5 resources the server serves ----

    private int ProgramCount
    {
        get
        {
            lock (gate)
            {
                return programs.Count;
            }
        }
    }

    private static string EndDeviceHref(SandboxDevice device) => $"/edev/{device.Index}";

    private static string Minutes(TimeSpan duration) => duration.TotalMinutes == 1 ? "1 min" : $"{duration.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min";

    /// <summary>A <c>description</c> is a String32: at most 32 characters.</summary>
    private static string Short(string text) => text.Length <= 32 ? text : text[..32];

    private SandboxDevice? Find(string lfdi)
    {
        lock (gate)
        {
            return byLfdi.GetValueOrDefault(lfdi);
        }
    }

    private string Issue(string description, TimeSpan duration, DerControlBase settings) =>
        Schedule(0, settings, time.GetUtcNow(), duration, description);

    private List<DerControl> CurrentControls(SandboxProgram program)
    {
        var horizon = Now - 3600;
        return program.Controls.Where(c => c.Interval.Start + c.Interval.Duration > horizon).OrderBy(c => c.Interval.Start).ThenBy(c => c.CreationTime).ToList();
    }

    /// <summary>One DER program of the sandbox.</summary>
    private sealed class SandboxProgram(int index, string mrid, string description, byte primacy)
    {
        public int Index { get; } = index;

        public DefaultDerControl? Default { get; set; }

        public List<DerControl> Controls { get; } = [];

        public List<DerCurve> Curves { get; } = [];

        public static SandboxProgram Utility()
        {
            var program = new SandboxProgram(0, "5A0000000000000000000000000D0001", "Sandbox Utility grid program", 1) { Default = EnterServiceDefault() };
            program.Curves.Add(new DerCurve
            {
                Href = VoltVarCurveHref,
                MRid = "5A0000000000000000000000000CC001",
                Description = "Volt-var 1547-2018 cat. B",
                CurveData =
                [
                    new CurveData { XValue = 92, YValue = 44 },
                    new CurveData { XValue = 98, YValue = 0 },
                    new CurveData { XValue = 102, YValue = 0 },
                    new CurveData { XValue = 108, YValue = -44 },
                ],
                CurveType = 11,
                YRefType = 3,
            });
            program.Curves.Add(new DerCurve
            {
                Href = VoltWattCurveHref,
                MRid = "5A0000000000000000000000000CC002",
                Description = "Volt-watt 1547-2018 cat. B",
                CurveData =
                [
                    new CurveData { XValue = 106, YValue = 100 },
                    new CurveData { XValue = 110, YValue = 0 },
                ],
                CurveType = 12,
                YRefType = 1,
            });
            return program;
        }

        public DerProgram Resource(int controls) => new()
        {
            Href = $"/derp/{Index}",
            MRid = mrid,
            Description = description,
            DefaultDerControlLink = Default is null ? null : new Link { Href = $"/derp/{Index}/dderc" },
            DerControlListLink = new ListLink { Href = $"/derp/{Index}/derc", All = (uint)controls, AllSpecified = true },
            DerCurveListLink = new ListLink { Href = $"/derp/{Index}/dc", All = (uint)Curves.Count, AllSpecified = true },
            Primacy = primacy,
        };
    }

    /// <summary>
    /// IEEE 1547-2018 enter-service conditions (category B window). The delay (10 s) and ramp (5 s) are the demo
    /// utility's choice inside the standard's adjustable ranges (0–600 s and 1–1,000 s; the defaults are 300 s), so a
    /// demo does not wait five minutes after a cease to energize.
    /// </summary>
    public static DefaultDerControl EnterServiceDefault() => new()
    {
        Href = $"{ProgramHref}/dderc",
        MRid = "5A0000000000000000000000000DD001",
        Description = "Enter service per IEEE 1547",
        Base = new DerControlBase(),
        SetEsDelay = 1_000,
        SetEsHighFreq = 6_010,
        SetEsHighVolt = 10_500,
        SetEsLowFreq = 5_950,
        SetEsLowVolt = 9_170,
        SetEsRampTms = 500,
        SetEsRandomDelay = 0,
    };
}
