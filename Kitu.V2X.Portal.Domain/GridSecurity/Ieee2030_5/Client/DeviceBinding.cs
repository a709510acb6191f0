namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>
/// What the client needs to know about one bound EVSE: an opaque id, its 2030.5 identity, its server, its rating,
/// the control modes it applies and its nominal voltage. Nothing here can name a person.
/// </summary>
public sealed record DeviceBinding(
    Guid EvseId,
    string ServerName,
    DeviceIdentity Identity,
    uint? RegistrationPin,
    double RatedChargeW,
    double RatedDischargeW)
{
    /// <summary>The approved server (for fair sharing and back-off per server).</summary>
    public Guid ServerId { get; init; }

    /// <summary>The functions the EVSE applies (its <c>modesSupported</c>).</summary>
    public DerControlModes ModesSupported { get; init; } = DerControlModes.Basic;

    /// <summary>The EVSE's nominal AC voltage (the base of effective-voltage percentages), when it told.</summary>
    public double? NominalVoltageV { get; init; }

    /// <summary>How fast the EVSE may change its power, in percent of setMaxW per second (<c>setGradW</c>; 0 = no limit).</summary>
    public double GradientPercentPerSecond { get; init; } = 20;
}

/// <summary>Whether the DER charges, discharges or holds (<c>storageModeStatus</c>).</summary>
public enum StorageMode : byte
{
    Charging = 0,
    Discharging = 1,
    Holding = 2,
}

/// <summary>
/// The EVSE's operating state as the grid layer may know it: link, availability, power and mode — never the
/// vehicle, its identity or its state of charge.
/// </summary>
public sealed record DerDeviceStatus(
    DateTimeOffset ReadingTime,
    bool Connected,
    bool Available,
    bool Operating,
    StorageMode Mode,
    double ActivePowerW,
    double AvailableExportW,
    bool Fault = false);

/// <summary>
/// Remembers which DERControlResponses were posted (event mRID and status), so each is posted once per event and
/// status, also across a restart when the journal is durable.
/// </summary>
public interface IDerResponseJournal
{
    bool WasPosted(string subject, byte status);

    void Posted(string subject, byte status, DateTimeOffset at);
}

/// <summary>A journal that lives as long as the session (tests, the benchmark, a device without storage).</summary>
public sealed class InMemoryResponseJournal : IDerResponseJournal
{
    private readonly HashSet<(string, byte)> posted = [];

    public IReadOnlyCollection<(string Subject, byte Status)> Entries => posted;

    public bool WasPosted(string subject, byte status) => posted.Contains((subject.ToUpperInvariant(), status));

    public void Posted(string subject, byte status, DateTimeOffset at) => posted.Add((subject.ToUpperInvariant(), status));
}
