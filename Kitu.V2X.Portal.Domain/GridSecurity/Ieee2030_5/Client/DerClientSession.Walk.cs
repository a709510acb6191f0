using System.Globalization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>The discovery walk: each resource read at its own pollRate (a cache per href), the programs, controls and curves, finding this EndDevice.</summary>
public sealed partial class DerClientSession
{
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
