using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>Whether an EVSE is integrated with the grid layer, and if not, why.</summary>
public enum GridIntegration
{
    /// <summary>Bound, registered, and rules read within their validity.</summary>
    Integrated,

    /// <summary>The site owner has not bound the EVSE to an approved 2030.5 server.</summary>
    NotBound,

    /// <summary>Bound, but the server does not (or no longer) register the EVSE, or the PIN did not match.</summary>
    NotRegistered,

    /// <summary>Registered, but no rules have been read yet.</summary>
    RulesMissing,

    /// <summary>No good contact with the server for too long: the last rules may no longer apply.</summary>
    Stale,

    /// <summary>The last exchange failed (TLS, HTTP, a malformed document…); see the detail.</summary>
    Failed,
}

/// <summary>
/// The grid rules in force for one EVSE, known only by its opaque id: what the utility's 2030.5 server
/// allows (IEEE 1547 functions). Never carries anything about a person, vehicle or program.
/// </summary>
public sealed record GridRules
{
    public required Guid EvseId { get; init; }

    public GridIntegration Integration { get; init; }

    /// <summary>Plain words for a status other than <see cref="GridIntegration.Integrated"/>.</summary>
    public string? IntegrationDetail { get; init; }

    /// <summary>Every IEEE 1547 function in force, as typed settings.</summary>
    public Ieee1547Functions Functions { get; init; } = Ieee1547Functions.None;

    /// <summary>Energize (<c>opModEnergize</c>): false = cease to energize; null = no instruction.</summary>
    public bool? Energize => Functions.Energize;

    /// <summary>Connect (<c>opModConnect</c>): false = disconnect; null = no instruction.</summary>
    public bool? Connect => Functions.Connect;

    /// <summary>The export limit as a percent of the EVSE's rated discharge power (<c>opModMaxLimW</c>); null = no limit.</summary>
    public double? ExportLimitPercent => Functions.MaxLimitPercent;

    /// <summary>The export limit in watts (the percent applied to the EVSE's setMaxW); null = none.</summary>
    public double? ExportLimitW { get; init; }

    /// <summary>The device's 2030.5 identity at its server, for display ("SFDI 1672-6121-1391").</summary>
    public ulong? Sfdi { get; init; }

    /// <summary>The approved server's name, for display.</summary>
    public string? ServerName { get; init; }

    /// <summary>When the grid layer last heard from the server.</summary>
    public DateTimeOffset? LastContact { get; init; }

    /// <summary>After this instant the rules are stale and the EVSE is not grid-integrated.</summary>
    public DateTimeOffset ValidUntil { get; init; }

    /// <summary>The 2030.5 event (DERControl) in force that sets the most functions, if any.</summary>
    public ActiveGridControl? ActiveControl { get; init; }

    /// <summary>Where each function in force comes from: the event (or default control) that sets it, and until when.</summary>
    public IReadOnlyList<GridControlInForce> Controls { get; init; } = [];

    /// <summary>
    /// What the programs' default controls alone set (in force whenever no event sets a function), for a device that
    /// holds default and scheduled settings of its own (OCPP 2.1 DER controls); null when not known (rules a device
    /// reported, or kept from before the portal told them apart).
    /// </summary>
    public Ieee1547Functions? DefaultFunctions { get; init; }

    /// <summary>The events in force or to come, earliest first, each with the functions it sets alone and its window.</summary>
    public IReadOnlyList<GridScheduledControl> Schedule { get; init; } = [];

    /// <summary>Exchanges that failed without touching the rules (a DERCapability PUT refused, a response not taken…).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The EVSE runs its own 2030.5 client and reported these rules (the portal holds no key and runs no session for it).</summary>
    public bool ReportedByEvse { get; init; }

    public static GridRules NotIntegrated(Guid evseId, GridIntegration why, string? detail = null) =>
        new() { EvseId = evseId, Integration = why, IntegrationDetail = detail };

    /// <summary>Integrated and not stale at <paramref name="now"/>.</summary>
    public bool IsIntegratedAt(DateTimeOffset now) => Integration == GridIntegration.Integrated && now < ValidUntil;

    /// <summary>
    /// The export cap in kW for an EVSE rated <paramref name="ratedDischargeKw"/> at the measured grid conditions
    /// (nominal when unknown): the smallest that the active-power limit, volt-watt, frequency-watt or frequency droop,
    /// cease to energize and disconnect give; +∞ when none applies.
    /// </summary>
    public double ExportCapKw(double ratedDischargeKw, GridConditions? at = null)
    {
        var percent = GridResponse.ExportCapPercent(Functions, at);
        var cap = percent >= 100 && !CapsExport ? double.PositiveInfinity : ratedDischargeKw * percent / 100.0;
        if (ExportLimitW is { } watts)
        {
            cap = Math.Min(cap, watts / 1000.0);
        }

        return Math.Max(0, cap);
    }

    /// <summary>The source of one function in force, if any (its end is the "until" shown for it).</summary>
    public GridControlInForce? SourceOf(string function) => Controls.FirstOrDefault(c => c.Functions.Contains(function));

    /// <summary>Same rules, warnings and sources (contact times aside): whether listeners need to hear about it.</summary>
    public bool SameContentAs(GridRules? other) =>
        other is not null
        && EvseId == other.EvseId && Integration == other.Integration && IntegrationDetail == other.IntegrationDetail
        && Functions == other.Functions && ExportLimitW == other.ExportLimitW && Sfdi == other.Sfdi && ServerName == other.ServerName && ReportedByEvse == other.ReportedByEvse
        && ActiveControl == other.ActiveControl && Controls.SequenceEqual(other.Controls) && Warnings.SequenceEqual(other.Warnings)
        && DefaultFunctions == other.DefaultFunctions && Schedule.SequenceEqual(other.Schedule);

    private bool CapsExport => Functions.MaxLimitPercent is not null || Functions.VoltWatt is not null || Functions.FrequencyWatt is not null
        || Functions.FrequencyDroop is not null || Functions.Energize == false || Functions.Connect == false;
}

/// <summary>The 2030.5 event in force: its mRID, its program's description and when it ends.</summary>
public sealed record ActiveGridControl(string MRid, string? Program, string? Description, DateTimeOffset End);

/// <summary>
/// An event (or a program's default control) that sets some of the functions in force: its mRID, program, the
/// effective window after randomization (and the drawn offsets), and the schema names of the functions it sets.
/// </summary>
public sealed record GridControlInForce(
    string MRid,
    string? Program,
    string? Description,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    string FunctionList,
    TimeSpan RandomizedStart = default,
    TimeSpan RandomizedDuration = default,
    bool IsDefault = false)
{
    /// <summary>The functions it sets (<c>opModMaxLimW</c>, …).</summary>
    public IReadOnlyList<string> Functions => FunctionList.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// A 2030.5 event in force or to come, as a device that keeps a schedule needs it: its mRID, the program's primacy
/// (lower wins), its effective window (randomized; cut where a newer event of its program supersedes it) and the
/// functions it sets alone.
/// </summary>
public sealed record GridScheduledControl(string MRid, string? Program, byte Primacy, DateTimeOffset Start, DateTimeOffset End, Ieee1547Functions Functions);
