using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>Superseded: by the server (status 4), or by a newer overlapping event of the same program from the overlap on.</summary>
    Superseded,

    /// <summary>Its device category excludes EVSEs: ignored, no response.</summary>
    NotForThisDevice,

    /// <summary>It sets only functions this device does not apply: rejected with response 252, never applied.</summary>
    NotApplicable,
}

/// <summary>
/// An event's phase and effective window (randomization applied: the drawn offsets are kept), the newer event that
/// supersedes it, and the functions it sets that this device cannot apply.
/// </summary>
public sealed record EventState(
    DerControl Control,
    ProgramView Program,
    EventPhase Phase,
    long EffectiveStart,
    long EffectiveEnd,
    int StartOffset = 0,
    int DurationOffset = 0,
    string? SupersededBy = null,
    IReadOnlyList<string>? Unsupported = null)
{
    /// <summary>When a newer event of its program takes over later (still <see cref="EventPhase.Scheduled"/> or <see cref="EventPhase.Active"/> until then).</summary>
    public long? SupersededAt { get; init; }
}

/// <summary>The event in force that won the most functions, for display.</summary>
public sealed record SelectedEvent(string MRid, string? Description, string? ProgramDescription, long EffectiveEnd);

/// <summary>Where the functions in force come from: an event (with its effective window) or a program's default control.</summary>
public sealed record FunctionSource(
    string MRid,
    string? Description,
    string? ProgramDescription,
    long? EffectiveStart,
    long? EffectiveEnd,
    int StartOffset,
    int DurationOffset,
    bool IsDefault,
    IReadOnlyList<string> Functions);

/// <summary>The outcome of event selection at one server instant.</summary>
public sealed record Selection(
    Ieee1547Functions Functions,
    SelectedEvent? Active,
    long? NextChangeAt,
    IReadOnlyList<EventState> Events,
    IReadOnlyList<string> Problems)
{
    public IReadOnlyList<FunctionSource> Sources { get; init; } = [];

    /// <summary>What the programs' default controls alone set: in force whenever no event sets a function.</summary>
    public Ieee1547Functions Defaults { get; init; } = Ieee1547Functions.None;

    /// <summary>The events in force or to come (the earliest <see cref="ControlSelector.MaxScheduled"/>), each with what it sets alone.</summary>
    public IReadOnlyList<ScheduledEvent> Schedule { get; init; } = [];
}

/// <summary>An event in force or to come: its effective window (randomized, cut where a newer event supersedes it) and the functions it sets.</summary>
public sealed record ScheduledEvent(
    string MRid,
    string? Description,
    string? ProgramDescription,
    byte Primacy,
    long EffectiveStart,
    long EffectiveEnd,
    Ieee1547Functions Functions);
