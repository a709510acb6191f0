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

    public List<DerControlResponse> Responses { get; } = [];
}

/// <summary>A control the grid admin issued, as the sandbox page lists it.</summary>
public sealed record SandboxControl(string MRid, string Description, DateTimeOffset Start, DateTimeOffset End, bool Cancelled, string Status);

/// <summary>
/// The sandbox server's state, in memory: the devices that registered, one DER program with its default control,
/// the events a grid admin issued and the curves they use. Thread-safe; <see cref="Changed"/> fires on every change.
/// </summary>
public sealed class SandboxState(TimeProvider time, IOptions<SandboxOptions> options)
{
    public const string ProgramHref = "/derp/0";
    public const string VoltVarCurveHref = "/derp/0/dc/1";
    private const int MaxDevices = 50_000;
    private const int MaxResponsesPerDevice = 50;

    private readonly Lock gate = new();
    private readonly List<SandboxDevice> devices = [];
    private readonly Dictionary<string, SandboxDevice> byLfdi = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<DerControl> controls = [];

    public event Action? Changed;

    public uint PollRate => options.Value.PollRateSeconds;

    public uint RegistrationPin => options.Value.RegistrationPin;

    private long Now => time.GetUtcNow().ToUnixTimeSeconds();

    // ---- what a grid admin does on the sandbox page ----

    public string LimitExport(int percent, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        return Issue($"Limit export to {percent} % for {Minutes(duration)}", duration, new DerControlBase { OpModMaxLimW = (ushort)(percent * 100) });
    }

    public string CeaseToEnergize(TimeSpan duration) =>
        Issue($"Cease to energize for {Minutes(duration)}", duration, new DerControlBase { OpModEnergize = false });

    public string VoltVar(TimeSpan duration) =>
        Issue($"Volt-var curve for {Minutes(duration)}", duration, new DerControlBase { OpModVoltVar = new DerCurveLink { Href = VoltVarCurveHref } });

    /// <summary>Cancels an event; false when no such event is in force or scheduled.</summary>
    public bool Cancel(string mrid)
    {
        lock (gate)
        {
            var control = controls.FirstOrDefault(c => string.Equals(c.MRid, mrid, StringComparison.OrdinalIgnoreCase));
            if (control is null || control.EventStatus.CurrentStatus == EventStatus.Cancelled || control.Interval.Start + control.Interval.Duration <= Now)
            {
                return false;
            }

            control.EventStatus = new EventStatus { CurrentStatus = EventStatus.Cancelled, DateTime = Now, Reason = "Cancelled by the grid admin" };
        }

        Changed?.Invoke();
        return true;
    }

    public IReadOnlyList<SandboxControl> Controls()
    {
        lock (gate)
        {
            var now = Now;
            return controls.OrderByDescending(c => c.CreationTime).Select(c =>
            {
                var end = c.Interval.Start + c.Interval.Duration;
                var cancelled = c.EventStatus.CurrentStatus == EventStatus.Cancelled;
                var status = cancelled ? "Cancelled" : now < c.Interval.Start ? "Scheduled" : now < end ? "Active" : "Completed";
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

    // ---- the 2030.5 resources the server serves ----

    public DeviceCapability DeviceCapability(string lfdi) => new()
    {
        Href = "/dcap",
        PollRate = PollRate,
        PollRateSpecified = true,
        TimeLink = new Link { Href = "/tm" },
        EndDeviceListLink = new ListLink { Href = "/edev", All = (uint)(Find(lfdi) is null ? 0 : 1), AllSpecified = true },
    };

    public Time Time() => new()
    {
        Href = "/tm",
        PollRate = PollRate,
        PollRateSpecified = true,
        CurrentTime = Now,
        Quality = 7,
    };

    /// <summary>A device sees only itself: the list holds its own EndDevice or nothing.</summary>
    public EndDeviceList EndDevices(string lfdi, int start, int limit)
    {
        var self = Find(lfdi);
        var items = self is null || start > 0 || limit == 0 ? [] : new List<EndDevice> { EndDevice(self) };
        return new EndDeviceList { Href = "/edev", All = (uint)(self is null ? 0 : 1), Results = (uint)items.Count, PollRate = PollRate, PollRateSpecified = true, Items = items };
    }

    /// <summary>Registers the device presenting <paramref name="lfdi"/>; returns its href, or null when the sandbox is full.</summary>
    public string? Register(string lfdi, ulong sfdi)
    {
        string href;
        lock (gate)
        {
            if (!byLfdi.TryGetValue(lfdi, out var device))
            {
                if (devices.Count >= MaxDevices)
                {
                    return null;
                }

                device = new SandboxDevice(devices.Count, lfdi.ToUpperInvariant(), sfdi, time.GetUtcNow()) { LastSeen = time.GetUtcNow() };
                devices.Add(device);
                byLfdi[lfdi] = device;
            }

            href = EndDeviceHref(device);
        }

        Changed?.Invoke();
        return href;
    }

    /// <summary>The caller's own device at <paramref name="index"/>, or null (another device's index is not found).</summary>
    public SandboxDevice? Own(string lfdi, int index)
    {
        var device = Find(lfdi);
        if (device is null || device.Index != index)
        {
            return null;
        }

        device.LastSeen = time.GetUtcNow();
        return device;
    }

    public EndDevice EndDevice(SandboxDevice device) => new()
    {
        Href = EndDeviceHref(device),
        Lfdi = device.Lfdi,
        Sfdi = device.Sfdi,
        DeviceCategory = Sep.EvseDeviceCategory,
        ChangedTime = device.RegisteredAt.ToUnixTimeSeconds(),
        Enabled = true,
        EnabledSpecified = true,
        RegistrationLink = new Link { Href = $"{EndDeviceHref(device)}/rg" },
        FunctionSetAssignmentsListLink = new ListLink { Href = $"{EndDeviceHref(device)}/fsa", All = 1, AllSpecified = true },
        DerListLink = new ListLink { Href = $"{EndDeviceHref(device)}/der", All = 1, AllSpecified = true },
    };

    public Registration Registration(SandboxDevice device) => new()
    {
        Href = $"{EndDeviceHref(device)}/rg",
        PollRate = PollRate,
        PollRateSpecified = true,
        DateTimeRegistered = device.RegisteredAt.ToUnixTimeSeconds(),
        Pin = RegistrationPin,
    };

    public FunctionSetAssignmentsList Assignments(SandboxDevice device) => new()
    {
        Href = $"{EndDeviceHref(device)}/fsa",
        All = 1,
        Results = 1,
        PollRate = PollRate,
        PollRateSpecified = true,
        Items =
        [
            new FunctionSetAssignments
            {
                Href = $"{EndDeviceHref(device)}/fsa/0",
                MRid = "5A0000000000000000000000000F5A01",
                Description = "Sandbox Utility grid rules",
                DerProgramListLink = new ListLink { Href = "/derp", All = 1, AllSpecified = true },
                TimeLink = new Link { Href = "/tm" },
            },
        ],
    };

    public DerList DerList(SandboxDevice device) => new()
    {
        Href = $"{EndDeviceHref(device)}/der",
        All = 1,
        Results = 1,
        PollRate = PollRate,
        PollRateSpecified = true,
        Items =
        [
            new Der
            {
                Href = $"{EndDeviceHref(device)}/der/0",
                DerCapabilityLink = new Link { Href = $"{EndDeviceHref(device)}/der/0/dercap" },
                DerSettingsLink = new Link { Href = $"{EndDeviceHref(device)}/der/0/derg" },
            },
        ],
    };

    public void Store(SandboxDevice device, DerCapability capability)
    {
        lock (gate)
        {
            device.Capability = capability;
        }

        Changed?.Invoke();
    }

    public void Store(SandboxDevice device, DerSettings settings)
    {
        lock (gate)
        {
            device.Settings = settings;
        }

        Changed?.Invoke();
    }

    /// <summary>Keeps a response from the device that sent it; false when it names another device.</summary>
    public bool Store(string lfdi, DerControlResponse response)
    {
        var device = Find(lfdi);
        if (device is null || !string.Equals(device.Lfdi, response.EndDeviceLfdi, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        lock (gate)
        {
            device.Responses.Add(response);
            if (device.Responses.Count > MaxResponsesPerDevice)
            {
                device.Responses.RemoveAt(0);
            }
        }

        Changed?.Invoke();
        return true;
    }

    public DerProgramList Programs() => new()
    {
        Href = "/derp",
        All = 1,
        Results = 1,
        PollRate = PollRate,
        PollRateSpecified = true,
        Items =
        [
            new DerProgram
            {
                Href = ProgramHref,
                MRid = "5A0000000000000000000000000D0001",
                Description = "Sandbox Utility grid program",
                Primacy = 1,
                DefaultDerControlLink = new Link { Href = $"{ProgramHref}/dderc" },
                DerControlListLink = new ListLink { Href = $"{ProgramHref}/derc", All = (uint)CurrentControls().Count, AllSpecified = true },
                DerCurveListLink = new ListLink { Href = $"{ProgramHref}/dc", All = 1, AllSpecified = true },
            },
        ],
    };

    /// <summary>IEEE 1547-2018 default enter-service conditions (category B).</summary>
    public static DefaultDerControl DefaultControl() => new()
    {
        Href = $"{ProgramHref}/dderc",
        MRid = "5A0000000000000000000000000DD001",
        Description = "Enter service per IEEE 1547-2018",
        Base = new DerControlBase(),
        SetEsDelay = 30_000,
        SetEsHighVolt = 10_500,
        SetEsLowVolt = 9_170,
        SetEsHighFreq = 6_010,
        SetEsLowFreq = 5_950,
        SetEsRampTms = 30_000,
        SetEsRandomDelay = 0,
    };

    public DerControlList ControlList(int start, int limit)
    {
        var current = CurrentControls();
        var page = current.Skip(start).Take(limit).ToList();
        return new DerControlList { Href = $"{ProgramHref}/derc", All = (uint)current.Count, Results = (uint)page.Count, Items = page };
    }

    public static DerCurveList Curves() => new()
    {
        Href = $"{ProgramHref}/dc",
        All = 1,
        Results = 1,
        Items =
        [
            new DerCurve
            {
                Href = VoltVarCurveHref,
                MRid = "5A0000000000000000000000000CC001",
                Description = "Volt-var, IEEE 1547-2018 category B default",
                CurveType = 11,
                YRefType = 3,
                CurveData =
                [
                    new CurveData { XValue = 92, YValue = 44 },
                    new CurveData { XValue = 98, YValue = 0 },
                    new CurveData { XValue = 102, YValue = 0 },
                    new CurveData { XValue = 108, YValue = -44 },
                ],
            },
        ],
    };

    private static string EndDeviceHref(SandboxDevice device) => $"/edev/{device.Index}";

    private static string Minutes(TimeSpan duration) => duration.TotalMinutes == 1 ? "1 minute" : $"{duration.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} minutes";

    private SandboxDevice? Find(string lfdi)
    {
        lock (gate)
        {
            return byLfdi.GetValueOrDefault(lfdi);
        }
    }

    private string Issue(string description, TimeSpan duration, DerControlBase settings)
    {
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "An event lasts between one second and one day.");
        }

        var now = Now;
        var mrid = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        var control = new DerControl
        {
            Href = $"{ProgramHref}/derc/{mrid}",
            MRid = mrid,
            Description = description,
            Version = 0,
            CreationTime = now,
            EventStatus = new EventStatus { CurrentStatus = EventStatus.Active, DateTime = now },
            Interval = new DateTimeInterval { Start = now, Duration = (uint)duration.TotalSeconds },
            ReplyTo = "/rsp",
            ResponseRequired = "03",
            Base = settings,
        };
        lock (gate)
        {
            controls.Add(control);
        }

        Changed?.Invoke();
        return mrid;
    }

    /// <summary>Events not yet ended, plus those ended within the last hour (so devices can report completion).</summary>
    private List<DerControl> CurrentControls()
    {
        lock (gate)
        {
            var horizon = Now - 3600;
            return controls.Where(c => c.Interval.Start + c.Interval.Duration > horizon).OrderBy(c => c.Interval.Start).ToList();
        }
    }
}
