using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>
/// Chooses the IEEE 1547 settings in force at server time <c>t</c> (2030.5 §12 event rules, CSIP practice):
/// events whose device category excludes EVSEs, cancelled and superseded events are dropped — an older event is
/// superseded by a newer (later creationTime) event of the same program from the moment their windows overlap,
/// whether or not the server marks it; each remaining event applies on [start + drawn start offset, + duration +
/// drawn duration offset); each setting is resolved on its own — the lowest primacy value wins across programs, the
/// later creationTime within one; a setting no event gives comes from the highest-primacy DefaultDERControl that
/// gives it. A function the device does not apply is never taken from an event; an event of only such functions is
/// not applicable (response 252).
/// </summary>
public sealed class ControlSelector(EventRandomization randomization, DerControlModes supported = (DerControlModes)uint.MaxValue)
{
    /// <summary>At most this many events in <see cref="Selection.Schedule"/> (the earliest): what a server lists beyond is sent when its turn comes.</summary>
    public const int MaxScheduled = 16;

    private readonly Dictionary<(string MRid, ushort Version), (int Start, int Duration, int Cancel)> draws = [];

    public DerControlModes Supported { get; set; } = supported;

    public Selection Select(IReadOnlyList<ProgramView> programs, long serverNow, IReadOnlyDictionary<string, DerCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(curves);
        var states = new List<EventState>();
        long? nextChange = null;

        foreach (var program in programs)
        {
            var windows = program.Controls.Select(c => Window(c, program, serverNow)).ToList();
            foreach (var window in windows)
            {
                var state = Supersede(window, windows, serverNow, ref nextChange);
                states.Add(state);
                if (state.Phase is EventPhase.Scheduled or EventPhase.Active)
                {
                    Earliest(ref nextChange, state.EffectiveStart > serverNow ? state.EffectiveStart : null);
                    Earliest(ref nextChange, state.EffectiveEnd > serverNow ? state.EffectiveEnd : null);
                }

                if (state.Control.EventStatus.CurrentStatus == EventStatus.CancelledWithRandomization && state.Phase != EventPhase.Cancelled)
                {
                    Earliest(ref nextChange, state.Control.EventStatus.DateTime + Draw(state.Control).Cancel);
                }
            }
        }

        // Best first: lowest primacy value, then the later creation time, then mRID so the order is total.
        var applicable = states.Where(s => s.Phase == EventPhase.Active).ToList();
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
        var defaults = programs.Where(p => p.Default is not null).OrderBy(p => p.Primacy).ToList();
        var problems = new List<string>();
        var candidates = applicable.Select(a => new Candidate(a.Control.Base, a, null))
            .Concat(defaults.Select(p => new Candidate(p.Default!.Base, null, p)))
            .ToList();
        var resolver = new Resolver(candidates, Supported, curves, problems);

        var functions = Resolve(resolver, defaults.Select(p => p.Default!).ToList());

        var sources = resolver.Sources().ToList();
        var winner = sources.Where(s => !s.IsDefault).OrderByDescending(s => s.Functions.Count).FirstOrDefault();
        var active = winner is null ? null : new SelectedEvent(winner.MRid, winner.Description, winner.ProgramDescription, winner.EffectiveEnd!.Value);
        return new Selection(functions, active, nextChange, states, problems)
        {
            Sources = sources,
            Defaults = Resolve(new Resolver([.. candidates.Where(c => c.DefaultOf is not null)], Supported, curves, []), defaults.Select(p => p.Default!).ToList()),
            Schedule = Schedule(states, serverNow, curves),
        };
    }

    /// <summary>
    /// The events in force or to come, each with the functions it sets alone (the device resolves them against its
    /// default settings and each other), earliest first: a device that holds them applies each at its time even when
    /// it cannot hear from the portal then. An event a newer one supersedes later ends where that one begins.
    /// </summary>
    private IReadOnlyList<ScheduledEvent> Schedule(List<EventState> states, long serverNow, IReadOnlyDictionary<string, DerCurve> curves)
    {
        var schedule = new List<ScheduledEvent>();
        foreach (var state in states.Where(s => s.Phase is EventPhase.Scheduled or EventPhase.Active).OrderBy(s => s.EffectiveStart).ThenBy(s => s.Control.MRid, StringComparer.Ordinal))
        {
            var end = Math.Min(state.EffectiveEnd, state.SupersededAt ?? long.MaxValue);
            if (end <= serverNow || end <= state.EffectiveStart)
            {
                continue;
            }

            var functions = Resolve(new Resolver([new Candidate(state.Control.Base, state, null)], Supported, curves, []), []);
            if (functions != Ieee1547Functions.None)
            {
                schedule.Add(new ScheduledEvent(state.Control.MRid, state.Control.Description, state.Program.Description, state.Program.Primacy, state.EffectiveStart, end, functions));
                if (schedule.Count == MaxScheduled)
                {
                    break;
                }
            }
        }

        return schedule;
    }

    /// <summary>The settings the resolver takes, each from the first control base that gives it; enter service from the defaults given.</summary>
    private static Ieee1547Functions Resolve(Resolver resolver, List<DefaultDerControl> defaults) => new()
    {
        Connect = resolver.Value("opModConnect", b => b.OpModConnect),
        Energize = resolver.Value("opModEnergize", b => b.OpModEnergize),
        MaxLimitPercent = resolver.Value("opModMaxLimW", b => b.OpModMaxLimW) is { } lim ? lim / 100.0 : null,
        FixedPowerFactorInject = resolver.Ref("opModFixedPFInjectW", b => b.OpModFixedPfInjectW) is { } inject ? new PowerFactorSetting(inject.PowerFactor, inject.Excitation) : null,
        FixedPowerFactorAbsorb = resolver.Ref("opModFixedPFAbsorbW", b => b.OpModFixedPfAbsorbW) is { } absorb ? new PowerFactorSetting(absorb.PowerFactor, absorb.Excitation) : null,
        FixedVar = resolver.Ref("opModFixedVar", b => b.OpModFixedVar) is { } fv ? new FixedVarSetting(fv.RefType, fv.Value / 100.0) : null,
        TargetVar = resolver.Ref("opModTargetVar", b => b.OpModTargetVar)?.Vars,
        TargetW = resolver.Ref("opModTargetW", b => b.OpModTargetW)?.Watts,
        FixedWPercent = resolver.Value("opModFixedW", b => b.OpModFixedW) is { } fw ? fw / 100.0 : null,
        FrequencyDroop = resolver.Ref("opModFreqDroop", b => b.OpModFreqDroop) is { } fd
            ? new FreqDroopSetting(fd.DbOf / 1000.0, fd.DbUf / 1000.0, fd.KOf / 1000.0, fd.KUf / 1000.0, fd.OpenLoopTms / 100.0)
            : null,
        FrequencyWatt = resolver.Curve("opModFreqWatt", b => b.OpModFreqWatt, 0),
        HighFrequencyMayTrip = resolver.Curve("opModHFRTMayTrip", b => b.OpModHfrtMayTrip, 1),
        HighFrequencyMustTrip = resolver.Curve("opModHFRTMustTrip", b => b.OpModHfrtMustTrip, 2),
        HighVoltageMayTrip = resolver.Curve("opModHVRTMayTrip", b => b.OpModHvrtMayTrip, 3),
        HighVoltageMomentaryCessation = resolver.Curve("opModHVRTMomentaryCessation", b => b.OpModHvrtMomentaryCessation, 4),
        HighVoltageMustTrip = resolver.Curve("opModHVRTMustTrip", b => b.OpModHvrtMustTrip, 5),
        LowFrequencyMayTrip = resolver.Curve("opModLFRTMayTrip", b => b.OpModLfrtMayTrip, 6),
        LowFrequencyMustTrip = resolver.Curve("opModLFRTMustTrip", b => b.OpModLfrtMustTrip, 7),
        LowVoltageMayTrip = resolver.Curve("opModLVRTMayTrip", b => b.OpModLvrtMayTrip, 8),
        LowVoltageMomentaryCessation = resolver.Curve("opModLVRTMomentaryCessation", b => b.OpModLvrtMomentaryCessation, 9),
        LowVoltageMustTrip = resolver.Curve("opModLVRTMustTrip", b => b.OpModLvrtMustTrip, 10),
        VoltVar = resolver.Curve("opModVoltVar", b => b.OpModVoltVar, 11),
        VoltWatt = resolver.Curve("opModVoltWatt", b => b.OpModVoltWatt, 12),
        WattPowerFactor = resolver.Curve("opModWattPF", b => b.OpModWattPf, 13),
        WattVar = resolver.Curve("opModWattVar", b => b.OpModWattVar, 14),
        RampSeconds = resolver.Value("rampTms", b => b.RampTms) is { } ramp ? ramp / 100.0 : null,
        EnterService = EnterService(defaults),
    };

    /// <summary>An event's effective window and its phase before supersession by newer events is considered.</summary>
    private EventState Window(DerControl control, ProgramView program, long now)
    {
        var draw = Draw(control);
        var start = control.Interval.Start + draw.Start;
        var end = start + control.Interval.Duration + draw.Duration;
        var status = control.EventStatus.CurrentStatus;
        var functions = DerFunctions.SetBy(control.Base);
        var unsupported = functions.Where(f => (DerFunctions.Named(f)!.Mode & Supported) == 0).ToList();

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
        else if (functions.Count > 0 && unsupported.Count == functions.Count)
        {
            phase = EventPhase.NotApplicable;
        }
        else
        {
            phase = now < start ? EventPhase.Scheduled : now < end ? EventPhase.Active : EventPhase.Completed;
        }

        return new EventState(control, program, phase, start, end, draw.Start, draw.Duration, null, unsupported);
    }

    /// <summary>
    /// 2030.5 §12.1.3: a newer event of the same program whose window overlaps an older one supersedes it from the
    /// start of the overlap on; before that moment the older one runs as scheduled.
    /// </summary>
    private static EventState Supersede(EventState older, List<EventState> program, long now, ref long? nextChange)
    {
        if (older.Phase is not (EventPhase.Scheduled or EventPhase.Active or EventPhase.Completed))
        {
            return older;
        }

        long? from = null;
        string? by = null;
        foreach (var newer in program)
        {
            if (ReferenceEquals(newer, older)
                || newer.Control.CreationTime <= older.Control.CreationTime
                || newer.Phase is EventPhase.Cancelled or EventPhase.NotForThisDevice or EventPhase.NotApplicable
                || newer.Control.EventStatus.CurrentStatus == EventStatus.Superseded
                || newer.EffectiveStart >= older.EffectiveEnd
                || older.EffectiveStart >= newer.EffectiveEnd)
            {
                continue;
            }

            var overlapFrom = Math.Max(older.EffectiveStart, newer.EffectiveStart);
            if (from is null || overlapFrom < from)
            {
                (from, by) = (overlapFrom, newer.Control.MRid);
            }
        }

        if (from is not { } at)
        {
            return older;
        }

        if (now >= at)
        {
            return older with { Phase = EventPhase.Superseded, SupersededBy = by };
        }

        Earliest(ref nextChange, at);
        return older with { SupersededAt = at };
    }

    private (int Start, int Duration, int Cancel) Draw(DerControl control)
    {
        var version = control.Version ?? 0;
        var key = (control.MRid.ToUpperInvariant(), version);
        if (!draws.TryGetValue(key, out var draw))
        {
            var cancelWindow = Math.Max(Math.Abs((int)(control.RandomizeStart ?? 0)), Math.Abs((int)(control.RandomizeDuration ?? 0)));
            draw = (
                randomization.Draw(control.MRid, version, "start", control.RandomizeStart ?? 0),
                randomization.Draw(control.MRid, version, "duration", control.RandomizeDuration ?? 0),
                randomization.Draw(control.MRid, version, "cancel", cancelWindow));
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

    /// <summary>A control base in resolution order: an active event, or a program's default control.</summary>
    private sealed record Candidate(DerControlBase Base, EventState? Event, ProgramView? DefaultOf);

    /// <summary>Takes each setting from the first control base that gives it (events best first, then defaults), and notes where it came from.</summary>
    private sealed class Resolver(List<Candidate> ordered, DerControlModes supported, IReadOnlyDictionary<string, DerCurve> curves, List<string> problems)
    {
        private readonly Dictionary<Candidate, List<string>> taken = [];

        public T? Value<T>(string function, Func<DerControlBase, T?> get)
            where T : struct
        {
            foreach (var c in ordered)
            {
                if (Usable(c, function) && get(c.Base) is { } v)
                {
                    Take(c, function);
                    return v;
                }
            }

            return null;
        }

        public T? Ref<T>(string function, Func<DerControlBase, T?> get)
            where T : class
        {
            foreach (var c in ordered)
            {
                if (Usable(c, function) && get(c.Base) is { } v)
                {
                    Take(c, function);
                    return v;
                }
            }

            return null;
        }

        public Curve? Curve(string function, Func<DerControlBase, DerCurveLink?> get, int expectedType)
        {
            if (Ref(function, get) is not { } link)
            {
                return null;
            }

            if (!curves.TryGetValue(link.Href, out var curve))
            {
                Untake(function);
                problems.Add($"Curve {link.Href} could not be read; that function is left to the device's own setting.");
                return null;
            }

            if (curve.CurveType != expectedType)
            {
                Untake(function);
                problems.Add($"Curve {link.Href} has type {curve.CurveType} where type {expectedType} belongs; ignored.");
                return null;
            }

            var points = curve.CurveData
                .Select(p => new CurvePoint(p.XValue * Math.Pow(10, curve.XMultiplier), p.YValue * Math.Pow(10, curve.YMultiplier), p.Excitation))
                .ToList();
            return new Curve(curve.MRid, curve.CurveType, points, curve.YRefType, curve.OpenLoopTms / 100.0, curve.VRef / 100.0);
        }

        public IEnumerable<FunctionSource> Sources()
        {
            foreach (var c in ordered)
            {
                if (!taken.TryGetValue(c, out var functions) || functions.All(f => f == "rampTms"))
                {
                    continue;
                }

                if (c.Event is { } e)
                {
                    yield return new FunctionSource(e.Control.MRid, e.Control.Description, e.Program.Description, e.EffectiveStart, e.EffectiveEnd, e.StartOffset, e.DurationOffset, false, functions);
                }
                else
                {
                    var d = c.DefaultOf!;
                    yield return new FunctionSource(d.Default!.MRid, d.Default.Description, d.Description, null, null, 0, 0, true, functions);
                }
            }
        }

        private bool Usable(Candidate c, string function) =>
            function == "rampTms" || DerFunctions.Named(function) is not { } f || (f.Mode & supported) != 0;

        private void Take(Candidate c, string function)
        {
            if (!taken.TryGetValue(c, out var list))
            {
                taken[c] = list = [];
            }

            list.Add(function);
        }

        private void Untake(string function)
        {
            foreach (var list in taken.Values)
            {
                list.Remove(function);
            }
        }
    }
}
