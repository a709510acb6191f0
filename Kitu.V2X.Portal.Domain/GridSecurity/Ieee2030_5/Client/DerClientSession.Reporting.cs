using System.Globalization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>What the client tells the server: the DER resources (capability, settings, status, availability) and the DERControlResponses an event asks for, each once.</summary>
public sealed partial class DerClientSession
{
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
}
