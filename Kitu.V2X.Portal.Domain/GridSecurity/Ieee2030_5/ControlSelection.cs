using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>One DER program as read from the server: its primacy, default control and events.</summary>
public sealed record ProgramView(string MRid, string? Description, byte Primacy, DefaultDerControl? Default, IReadOnlyList<DerControl> Controls);

/// <summary>Where an event stands for this device at one server instant.</summary>
public enum EventPhase
{
    Scheduled,
    Active,
    Completed,
    Cancelled,
    Superseded,

    /// <summary>Its device category excludes EVSEs: ignored, no response.</summary>
    NotForThisDevice,
}

/// <summary>An event's phase and effective window (randomization applied), for responses and display.</summary>
public sealed record EventState(DerControl Control, ProgramView Program, EventPhase Phase, long EffectiveStart, long EffectiveEnd);

/// <summary>The event in force that won the most functions, for display.</summary>
public sealed record SelectedEvent(string MRid, string? Description, string? ProgramDescription, long EffectiveEnd);

/// <summary>The outcome of event selection at one server instant.</summary>
public sealed record Selection(
    Ieee1547Functions Functions,
    SelectedEvent? Active,
    long? NextChangeAt,
    IReadOnlyList<EventState> Events,
    IReadOnlyList<string> Problems);

/// <summary>
/// Chooses the IEEE 1547 settings in force at server time <c>t</c> (2030.5 §12 event rules, CSIP practice):
/// events whose device category excludes EVSEs, cancelled and superseded events are dropped; each remaining event
/// applies on [start + drawn start offset, + duration + drawn duration offset); each setting is resolved on its own —
/// the lowest primacy value wins across programs, the later creationTime within one; a setting no event gives
/// comes from the highest-primacy DefaultDERControl that gives it.
/// Holds one random draw per event version so randomization stays fixed across polls.
/// </summary>
public sealed class ControlSelector(Random random)
{
    private readonly Dictionary<(string MRid, ushort Version), (int Start, int Duration, int Cancel)> draws = [];

    public Selection Select(IReadOnlyList<ProgramView> programs, long serverNow, IReadOnlyDictionary<string, DerCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(curves);
        var states = new List<EventState>();
        var applicable = new List<EventState>();
        long? nextChange = null;

        foreach (var program in programs)
        {
            foreach (var control in program.Controls)
            {
                var state = Classify(control, program, serverNow);
                states.Add(state);
                if (state.Phase == EventPhase.Active)
                {
                    applicable.Add(state);
                }

                if (state.Phase is EventPhase.Scheduled or EventPhase.Active)
                {
                    Earliest(ref nextChange, state.EffectiveStart > serverNow ? state.EffectiveStart : null);
                    Earliest(ref nextChange, state.EffectiveEnd > serverNow ? state.EffectiveEnd : null);
                }
            }
        }

        // Best first: lowest primacy value, then the later creation time, then mRID so the order is total.
        applicable.Sort((a, b) =>
        {
            var byPrimacy = a.Program.Primacy.CompareTo(b.Program.Primacy);
            if (byPrimacy != 0)
            {
                return byPrimacy;
            }

            var byCreation = b.Control.CreationTime.CompareTo(a.Control.CreationTime);
            return byCreation != 0 ? byCreation : string.CompareOrdinal(a.Control.MRid, b.Control.MRid);
        });
        var defaults = programs.Where(p => p.Default is not null).OrderBy(p => p.Primacy).Select(p => p.Default!).ToList();
        var problems = new List<string>();
        var resolver = new Resolver(applicable.Select(a => a.Control.Base).Concat(defaults.Select(d => d.Base)).ToList(), curves, problems);

        var functions = new Ieee1547Functions
        {
            Connect = resolver.Value(b => b.OpModConnect),
            Energize = resolver.Value(b => b.OpModEnergize),
            MaxLimitPercent = resolver.Value(b => b.OpModMaxLimW) is { } lim ? lim / 100.0 : null,
            FixedPowerFactorInject = resolver.Ref(b => b.OpModFixedPfInjectW) is { } inject ? new PowerFactorSetting(inject.PowerFactor, inject.Excitation) : null,
            FixedPowerFactorAbsorb = resolver.Ref(b => b.OpModFixedPfAbsorbW) is { } absorb ? new PowerFactorSetting(absorb.PowerFactor, absorb.Excitation) : null,
            FixedVar = resolver.Ref(b => b.OpModFixedVar) is { } fv ? new FixedVarSetting(fv.RefType, fv.Value / 100.0) : null,
            TargetVar = resolver.Ref(b => b.OpModTargetVar)?.Vars,
            TargetW = resolver.Ref(b => b.OpModTargetW)?.Watts,
            FixedWPercent = resolver.Value(b => b.OpModFixedW) is { } fw ? fw / 100.0 : null,
            FrequencyDroop = resolver.Ref(b => b.OpModFreqDroop) is { } fd
                ? new FreqDroopSetting(fd.DbOf / 1000.0, fd.DbUf / 1000.0, fd.KOf / 1000.0, fd.KUf / 1000.0, fd.OpenLoopTms / 100.0)
                : null,
            FrequencyWatt = resolver.Curve(b => b.OpModFreqWatt, 0),
            HighFrequencyMayTrip = resolver.Curve(b => b.OpModHfrtMayTrip, 1),
            HighFrequencyMustTrip = resolver.Curve(b => b.OpModHfrtMustTrip, 2),
            HighVoltageMayTrip = resolver.Curve(b => b.OpModHvrtMayTrip, 3),
            HighVoltageMomentaryCessation = resolver.Curve(b => b.OpModHvrtMomentaryCessation, 4),
            HighVoltageMustTrip = resolver.Curve(b => b.OpModHvrtMustTrip, 5),
            LowFrequencyMayTrip = resolver.Curve(b => b.OpModLfrtMayTrip, 6),
            LowFrequencyMustTrip = resolver.Curve(b => b.OpModLfrtMustTrip, 7),
            LowVoltageMayTrip = resolver.Curve(b => b.OpModLvrtMayTrip, 8),
            LowVoltageMomentaryCessation = resolver.Curve(b => b.OpModLvrtMomentaryCessation, 9),
            LowVoltageMustTrip = resolver.Curve(b => b.OpModLvrtMustTrip, 10),
            VoltVar = resolver.Curve(b => b.OpModVoltVar, 11),
            VoltWatt = resolver.Curve(b => b.OpModVoltWatt, 12),
            WattPowerFactor = resolver.Curve(b => b.OpModWattPf, 13),
            WattVar = resolver.Curve(b => b.OpModWattVar, 14),
            RampSeconds = resolver.Value(b => b.RampTms) is { } ramp ? ramp / 100.0 : null,
            EnterService = EnterService(defaults),
        };

        var winner = applicable.Count == 0 ? null : applicable[0];
        var active = winner is null
            ? null
            : new SelectedEvent(winner.Control.MRid, winner.Control.Description, winner.Program.Description, winner.EffectiveEnd);
        return new Selection(functions, active, nextChange, states, problems);
    }

    private EventState Classify(DerControl control, ProgramView program, long now)
    {
        var draw = Draw(control);
        var start = control.Interval.Start + draw.Start;
        var end = start + control.Interval.Duration + draw.Duration;
        var status = control.EventStatus.CurrentStatus;

        EventPhase phase;
        if (control.DeviceCategory is { Length: > 0 } category && (Convert.ToUInt32(category, 16) & Sep.EvseCategoryBit) == 0)
        {
            phase = EventPhase.NotForThisDevice;
        }
        else if (status == EventStatus.Cancelled || (status == EventStatus.CancelledWithRandomization && now >= control.EventStatus.DateTime + draw.Cancel))
        {
            phase = EventPhase.Cancelled;
        }
        else if (status == EventStatus.Superseded)
        {
            phase = EventPhase.Superseded;
        }
        else
        {
            phase = now < start ? EventPhase.Scheduled : now < end ? EventPhase.Active : EventPhase.Completed;
        }

        return new EventState(control, program, phase, start, end);
    }

    /// <summary>One uniform draw between 0 and each randomization value, kept for the event's version.</summary>
    private (int Start, int Duration, int Cancel) Draw(DerControl control)
    {
        var key = (control.MRid.ToUpperInvariant(), control.Version ?? 0);
        if (!draws.TryGetValue(key, out var draw))
        {
            int Between0And(short? limit) => limit is null or 0 ? 0 : limit > 0 ? random.Next(0, limit.Value + 1) : -random.Next(0, -limit.Value + 1);
            var cancelWindow = Math.Max(Math.Abs((int)(control.RandomizeStart ?? 0)), Math.Abs((int)(control.RandomizeDuration ?? 0)));
            draw = (Between0And(control.RandomizeStart), Between0And(control.RandomizeDuration), cancelWindow == 0 ? 0 : random.Next(0, cancelWindow + 1));
            draws[key] = draw;
        }

        return draw;
    }

    private static EnterServiceSetting? EnterService(List<DefaultDerControl> defaults)
    {
        var d = defaults.FirstOrDefault(x => x.SetEsDelay is not null || x.SetEsHighFreq is not null || x.SetEsLowFreq is not null
            || x.SetEsHighVolt is not null || x.SetEsLowVolt is not null || x.SetEsRampTms is not null || x.SetEsRandomDelay is not null);
        return d is null
            ? null
            : new EnterServiceSetting(
                d.SetEsDelay / 100.0,
                d.SetEsHighFreq / 100.0,
                d.SetEsHighVolt / 100.0,
                d.SetEsLowFreq / 100.0,
                d.SetEsLowVolt / 100.0,
                d.SetEsRampTms / 100.0,
                d.SetEsRandomDelay / 100.0);
    }

    private static void Earliest(ref long? current, long? candidate)
    {
        if (candidate is { } c && (current is null || c < current))
        {
            current = c;
        }
    }

    /// <summary>Takes each setting from the first control base that gives it (events best first, then defaults).</summary>
    private sealed class Resolver(List<DerControlBase> ordered, IReadOnlyDictionary<string, DerCurve> curves, List<string> problems)
    {
        public T? Value<T>(Func<DerControlBase, T?> get)
            where T : struct
        {
            foreach (var b in ordered)
            {
                if (get(b) is { } v)
                {
                    return v;
                }
            }

            return null;
        }

        public T? Ref<T>(Func<DerControlBase, T?> get)
            where T : class
        {
            foreach (var b in ordered)
            {
                if (get(b) is { } v)
                {
                    return v;
                }
            }

            return null;
        }

        public Curve? Curve(Func<DerControlBase, DerCurveLink?> get, int expectedType)
        {
            if (Ref(get) is not { } link)
            {
                return null;
            }

            if (!curves.TryGetValue(link.Href, out var curve))
            {
                problems.Add($"Curve {link.Href} could not be read; that function is left to the device's own setting.");
                return null;
            }

            if (curve.CurveType != expectedType)
            {
                problems.Add($"Curve {link.Href} has type {curve.CurveType} where type {expectedType} belongs; ignored.");
                return null;
            }

            var points = curve.CurveData
                .Select(p => new CurvePoint(p.XValue * Math.Pow(10, curve.XMultiplier), p.YValue * Math.Pow(10, curve.YMultiplier), p.Excitation))
                .ToList();
            return new Curve(curve.MRid, curve.CurveType, points, curve.YRefType, curve.OpenLoopTms / 100.0, curve.VRef / 100.0);
        }
    }
}
