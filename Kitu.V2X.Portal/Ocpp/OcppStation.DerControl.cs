using System.Text.Json;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>IEEE 1547 functions as OCPP 2.1 DER controls: set, cleared and checked back; what the station supports.</summary>
public sealed partial class OcppStation
{
    private void TakeDerReport(JsonElement payload)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in payload.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            foreach (var control in property.Value.EnumerateArray())
            {
                if (Text(control, "id") is { } id)
                {
                    held.Add(id);
                }
            }
        }

        // A report answers the GetDERControl of its requestId: only controls set before that request was sent can be
        // missing from it (a late report of an earlier request would else undo a control set since).
        var answers = payload.TryGetProperty("requestId", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) ? n : int.MaxValue;
        lock (state.Gate)
        {
            // A long report comes in parts (tbc: to be continued): nothing is missing before its last part.
            if (derReportParts.TryGetValue(answers, out var earlier))
            {
                held.UnionWith(earlier);
            }

            if (payload.TryGetProperty("tbc", out var tbc) && tbc.ValueKind == JsonValueKind.True)
            {
                if (derReportParts.Count >= 4 && !derReportParts.ContainsKey(answers))
                {
                    derReportParts.Clear(); // parts of reports that never end: a station gets no memory to fill
                }

                if (held.Count <= 1_000)
                {
                    derReportParts[answers] = held;
                }

                return;
            }

            derReportParts.Clear();
            state.DerMissing = [.. state.DerHeld.Keys.Where(id => !held.Contains(id) && derSetAt.GetValueOrDefault(id) < answers)];
            if (state.DerMissing.Count > 0)
            {
                LogDerMissing(charger.StationId, string.Join(", ", state.DerMissing));
                foreach (var missing in state.DerMissing)
                {
                    state.DerHeld.Remove(missing); // set again with the next grid rules
                }
            }
        }
    }

    /// <summary>Sets what changed of the DER controls in force, clears those no longer in force, then asks what the station holds.</summary>
    private async Task SendDerControlsAsync(IReadOnlyList<OcppDerControl> wanted)
    {
        List<OcppDerControl> toSet;
        List<(string Id, bool IsDefault)> toClear;
        lock (state.Gate)
        {
            toSet = [.. wanted.Where(c => !state.DerNotSupported.Contains(c.ControlType) && (!state.DerHeld.TryGetValue(c.ControlId, out var held) || held != c.Request.ToJsonString()))];
            toClear = [.. state.DerHeld.Keys.Where(id => wanted.All(c => c.ControlId != id)).Select(id => (id, id.StartsWith("kitu-default-", StringComparison.Ordinal)))];
        }

        foreach (var control in toSet)
        {
            var answer = await CallAsync("SetDERControl", control.Request);
            var status = answer is { } a ? Text(a, "status") : null;
            lock (state.Gate)
            {
                if (status == "Accepted")
                {
                    state.DerHeld[control.ControlId] = control.Request.ToJsonString();
                    derSetAt[control.ControlId] = Volatile.Read(ref requestIds);
                }
                else if (status == "NotSupported")
                {
                    state.DerNotSupported.Add(control.ControlType);
                }
            }

            if (status != "Accepted")
            {
                LogDerRefused(charger.StationId, control.ControlType, status ?? "no answer");
                if (status == "NotSupported")
                {
                    await grid.UpdateCapabilitiesAsync(charger.EvseId, Capabilities(), null, null, session.Closed);
                }
            }
        }

        foreach (var (id, isDefault) in toClear)
        {
            var answer = await CallAsync("ClearDERControl", new JsonObject { ["isDefault"] = isDefault, ["controlId"] = id });
            if (answer is { } a && Text(a, "status") is "Accepted" or "NotFound")
            {
                lock (state.Gate)
                {
                    state.DerHeld.Remove(id);
                }
            }
        }

        if (toSet.Count > 0 || toClear.Count > 0)
        {
            await CallAsync("GetDERControl", new JsonObject { ["requestId"] = Interlocked.Increment(ref requestIds) });
        }
    }

    /// <summary>What this station applies of IEEE 1547, as 2030.5 modes for its DERCapability: what OCPP 2.1 carries, less what it said it does not support.</summary>
    private DerControlModes Capabilities()
    {
        if (!SpeaksV2x)
        {
            return DerControlModes.Basic;
        }

        var names = new List<string> { "opModConnect", "opModEnergize", "opModMaxLimW" };
        lock (state.Gate)
        {
            foreach (var (type, name) in new[]
            {
                ("FixedPFAbsorb", "opModFixedPFAbsorbW"), ("FixedPFInject", "opModFixedPFInjectW"), ("FixedVar", "opModFixedVar"),
                ("FreqDroop", "opModFreqDroop"), ("FreqWatt", "opModFreqWatt"), ("HFMayTrip", "opModHFRTMayTrip"), ("HFMustTrip", "opModHFRTMustTrip"),
                ("HVMayTrip", "opModHVRTMayTrip"), ("HVMomCess", "opModHVRTMomentaryCessation"), ("HVMustTrip", "opModHVRTMustTrip"),
                ("LFMustTrip", "opModLFRTMustTrip"), ("LVMayTrip", "opModLVRTMayTrip"), ("LVMomCess", "opModLVRTMomentaryCessation"),
                ("LVMustTrip", "opModLVRTMustTrip"), ("VoltVar", "opModVoltVar"), ("VoltWatt", "opModVoltWatt"), ("WattPF", "opModWattPF"), ("WattVar", "opModWattVar"),
            })
            {
                if (!state.DerNotSupported.Contains(type))
                {
                    names.Add(name);
                }
            }

            if (state.DerNotSupported.Contains("LimitMaxDischarge"))
            {
                names.Remove("opModMaxLimW");
                names.Remove("opModEnergize");
                names.Remove("opModConnect");
            }
        }

        return DerFunctions.FromNames(names);
    }
}
