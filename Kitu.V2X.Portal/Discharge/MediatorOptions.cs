namespace Kitu.V2X.Portal.Discharge;

/// <summary>The discharge mediator's timings and tolerances. Section <c>Mediator</c>.</summary>
public sealed class MediatorOptions
{
    public const string Section = "Mediator";

    /// <summary>How often the mediator looks at events and commands when nothing nudges it.</summary>
    public int TickMilliseconds { get; set; } = 1000;

    /// <summary>A sent command not acked within this is sent again with the same id.</summary>
    public int AckTimeoutSeconds { get; set; } = 5;

    /// <summary>After this many sends without an ack the command is interrupted.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The EVSE stops by itself this long after the last renewal unless renewed.</summary>
    public int FailSafeSeconds { get; set; } = 120;

    /// <summary>Measured power may differ from the command by this much (kW) or this share, whichever is larger…</summary>
    public double FollowToleranceKw { get; set; } = 0.5;

    public double FollowTolerancePercent { get; set; } = 10;

    /// <summary>…for at most this long before the command counts as not followed.</summary>
    public int FollowGraceSeconds { get; set; } = 15;

    /// <summary>A link lost for longer than this interrupts the EVSE's commands.</summary>
    public int LinkGraceSeconds { get; set; } = 10;

    /// <summary>A refused vehicle is decided again after this (a charger may be bound meanwhile).</summary>
    public int RetryRefusedSeconds { get; set; } = 60;
}
