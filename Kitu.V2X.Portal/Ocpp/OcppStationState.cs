using System.Collections.Concurrent;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>An alarm a station raised about a DER control (NotifyDERAlarm), for the owner's page.</summary>
public sealed record OcppDerAlarm(DateTimeOffset At, string ControlType, string? GridEventFault, bool Ended, string? Info);

/// <summary>
/// What the owner's page says of an OCPP station itself, carried on its link (and across instances with it): its latest
/// DER alarm not ended, the DER controls it does not hold, its certificate's end and its answer to a renewal, its other
/// EVSEs. Plain values, so that two are equal when they say the same.
/// </summary>
public sealed record OcppStationFacts(
    string? AlarmControlType,
    string? AlarmFault,
    DateTimeOffset? AlarmSince,
    string? DerMissing,
    DateTimeOffset? CertificateEnds,
    string? RenewalAnswer,
    string? OtherEvses)
{
    /// <summary>Each text at most this long: facts from another instance are read as untrusted input.</summary>
    public const int MaxText = 200;

    public bool IsWellFormed => new[] { AlarmControlType, AlarmFault, DerMissing, RenewalAnswer, OtherEvses }.All(t => t is null || t.Length <= MaxText);
}

/// <summary>The discharge profile a station accepted: which command, at what power, until when it holds by itself.</summary>
public sealed record OcppDischarge(Guid CommandId, double Kw, DateTimeOffset ValidTo);

/// <summary>
/// What the portal knows of one OCPP station, kept across its connections (a reconnect is not a reboot: the
/// transaction, the profile it runs and the DER controls it holds carry on). Guarded by its own lock.
/// </summary>
public sealed class OcppStationState
{
    public object Gate { get; } = new();

    public string? Vendor { get; set; }

    public string? Model { get; set; }

    public string? Firmware { get; set; }

    /// <summary>
    /// The EVSE number on the station (OCPP's evseId) that is the portal's charger: 1. A station's other EVSEs are not
    /// chargers of the portal (yet): what they report is acknowledged and kept out of this one's state.
    /// </summary>
    public int EvseNumber { get; } = 1;

    /// <summary>Transactions the station runs on its other EVSEs: their later events (which need not name the EVSE) are not this one's.</summary>
    public HashSet<string> OtherTransactions { get; } = new(StringComparer.Ordinal);

    public string? ConnectorStatus { get; set; }

    public string? TransactionId { get; set; }

    public string? VehicleIdentifier { get; set; }

    public double? SocPercent { get; set; }

    public double PowerKw { get; set; }

    /// <summary>The energy registers of its last meter values in the transaction: its power when it reports none.</summary>
    public OcppRegisters? Registers { get; set; }

    public string? OperationMode { get; set; }

    /// <summary>The energy transfer modes the car offers (NotifyEVChargingNeeds); empty until it says.</summary>
    public IReadOnlyList<string> CarModes { get; set; } = [];

    public OcppDischarge? Discharge { get; set; }

    /// <summary>The DER controls set on the station under the portal's ids: control id → the request's JSON.</summary>
    public Dictionary<string, string> DerHeld { get; } = new(StringComparer.Ordinal);

    /// <summary>Control types the station answered NotSupported: not sent again, not declared to the grid layer.</summary>
    public HashSet<string> DerNotSupported { get; } = new(StringComparer.Ordinal);

    /// <summary>What the last GetDERControl check found missing on the station; empty when it holds all.</summary>
    public IReadOnlyList<string> DerMissing { get; set; } = [];

    public List<OcppDerAlarm> Alarms { get; } = [];

    /// <summary>When the certificate of its last connection ends (profile 3); null when it came with its password.</summary>
    public DateTimeOffset? CertificateEnds { get; set; }

    /// <summary>The station's answer when it was last asked to renew its certificate (TriggerMessage): Accepted, Rejected, …</summary>
    public string? RenewalAnswer { get; set; }

    /// <summary>The station's other EVSE numbers that reported since the portal started (a few at most): not chargers of the portal.</summary>
    public SortedSet<int> OtherEvses { get; } = [];

    /// <summary>
    /// What the station's device model says of V2X (NotifyReport, V2XChargingCtrlr): false when it reports V2X not
    /// enabled, or operation modes without CentralSetpoint (it cannot follow the portal's profile); null until it says.
    /// </summary>
    public bool? V2xUsable { get; set; }

    public bool Plugged => TransactionId is not null || ConnectorStatus == "Occupied";

    public bool CarOffersBidirectional => CarModes.Any(m => m.Contains("BPT", StringComparison.Ordinal));

    /// <summary>The station's facts for its link; null when there is nothing to say. Takes the lock.</summary>
    public OcppStationFacts? Facts()
    {
        lock (Gate)
        {
            static string? Cut(string? text) => text is { Length: > OcppStationFacts.MaxText } ? text[..OcppStationFacts.MaxText] : text;
            var alarm = Alarms.LastOrDefault() is { Ended: false } a ? a : null;
            var facts = new OcppStationFacts(
                Cut(alarm?.ControlType),
                Cut(alarm?.GridEventFault),
                alarm?.At,
                DerMissing.Count > 0 ? Cut(string.Join(", ", DerMissing)) : null,
                CertificateEnds,
                Cut(RenewalAnswer),
                OtherEvses.Count > 0 ? string.Join(", ", OtherEvses) : null);
            return facts == Nothing ? null : facts;
        }
    }

    private static readonly OcppStationFacts Nothing = new(null, null, null, null, null, null, null);

    public void Alarm(OcppDerAlarm alarm)
    {
        lock (Gate)
        {
            Alarms.Add(alarm);
            if (Alarms.Count > 20)
            {
                Alarms.RemoveAt(0);
            }
        }
    }
}

/// <summary>The state of every OCPP station the portal has seen since it started, by EVSE id.</summary>
public sealed class OcppStations
{
    private readonly ConcurrentDictionary<Guid, OcppStationState> states = new();

    public OcppStationState StateFor(Guid evseId) => states.GetOrAdd(evseId, _ => new OcppStationState());

    public OcppStationState? Find(Guid evseId) => states.GetValueOrDefault(evseId);
}
