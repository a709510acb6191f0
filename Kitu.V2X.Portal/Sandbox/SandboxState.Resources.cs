using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Sandbox;

/// <summary>The sandbox's 2030.5 resources as a device reads them (discovery, registration, programs, controls, curves) and what it posts back.</summary>
public sealed partial class SandboxState
{
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
        DerListLink = OfferDerList ? new ListLink { Href = $"{EndDeviceHref(device)}/der", All = 1, AllSpecified = true } : null,
        DeviceCategory = Sep.EvseDeviceCategory,
        Lfdi = device.Lfdi,
        Sfdi = device.Sfdi,
        ChangedTime = device.RegisteredAt.ToUnixTimeSeconds(),
        Enabled = true,
        EnabledSpecified = true,
        FunctionSetAssignmentsListLink = new ListLink { Href = $"{EndDeviceHref(device)}/fsa", All = 1, AllSpecified = true },
        PostRate = PostRate ?? 0,
        PostRateSpecified = PostRate is not null,
        RegistrationLink = WithholdRegistration ? null : new Link { Href = $"{EndDeviceHref(device)}/rg" },
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
                DerProgramListLink = new ListLink { Href = "/derp", All = (uint)ProgramCount, AllSpecified = true },
                TimeLink = new Link { Href = "/tm" },
                MRid = "5A0000000000000000000000000F5A01",
                Description = "Sandbox Utility grid rules",
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
                DerAvailabilityLink = new Link { Href = $"{EndDeviceHref(device)}/der/0/dera" },
                DerCapabilityLink = new Link { Href = $"{EndDeviceHref(device)}/der/0/dercap" },
                DerSettingsLink = new Link { Href = $"{EndDeviceHref(device)}/der/0/derg" },
                DerStatusLink = new Link { Href = $"{EndDeviceHref(device)}/der/0/ders" },
            },
        ],
    };

    public void Store(SandboxDevice device, Action<SandboxDevice> store)
    {
        ArgumentNullException.ThrowIfNull(store);
        lock (gate)
        {
            store(device);
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

    public DerProgramList Programs(int start, int limit)
    {
        lock (gate)
        {
            var page = programs.Skip(start).Take(limit).Select(p => p.Resource(CurrentControls(p).Count)).ToList();
            return new DerProgramList { Href = "/derp", All = (uint)programs.Count, Results = (uint)page.Count, PollRate = PollRate, PollRateSpecified = true, Items = page };
        }
    }

    public DerProgram? Program(int index)
    {
        lock (gate)
        {
            return index >= 0 && index < programs.Count ? programs[index].Resource(CurrentControls(programs[index]).Count) : null;
        }
    }

    public DefaultDerControl? DefaultControl(int program)
    {
        lock (gate)
        {
            return program >= 0 && program < programs.Count ? programs[program].Default : null;
        }
    }

    /// <summary>The events of a program not yet ended, plus those ended within the last hour (so devices can report completion).</summary>
    public DerControlList? ControlList(int program, int start, int limit)
    {
        lock (gate)
        {
            if (program < 0 || program >= programs.Count)
            {
                return null;
            }

            var current = CurrentControls(programs[program]);
            var page = current.Skip(start).Take(limit).ToList();
            return new DerControlList { Href = $"/derp/{program}/derc", All = (uint)current.Count, Results = (uint)page.Count, Items = page };
        }
    }

    public DerCurveList? Curves(int program, int start, int limit)
    {
        lock (gate)
        {
            if (program < 0 || program >= programs.Count)
            {
                return null;
            }

            var curves = programs[program].Curves;
            var page = curves.Skip(start).Take(limit).ToList();
            return new DerCurveList { Href = $"/derp/{program}/dc", All = (uint)curves.Count, Results = (uint)page.Count, Items = page };
        }
    }

    public DerCurve? Curve(int program, int index)
    {
        lock (gate)
        {
            return program >= 0 && program < programs.Count && index >= 0 && index < programs[program].Curves.Count ? programs[program].Curves[index] : null;
        }
    }
}
