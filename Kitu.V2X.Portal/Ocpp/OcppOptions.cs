namespace Kitu.V2X.Portal.Ocpp;

/// <summary>Settings of the OCPP gateway (section <c>Ocpp</c>).</summary>
public sealed class OcppOptions
{
    public const string Section = "Ocpp";

    /// <summary>
    /// Security profile 1 (Basic authentication over plain ws://): only in demo mode, where it is set for the virtual
    /// chargers. Otherwise a station must come over TLS (profile 2) — wss:// to the portal or through a proxy that
    /// terminates TLS and says so in X-Forwarded-Proto.
    /// </summary>
    public bool AllowUnsecured { get; set; }

    /// <summary>
    /// Security profile 3: a PEM file with the CA certificates (the charging station operator's) whose station
    /// certificates the gateway takes instead of a password — subject CN = the station id, valid now, client
    /// authentication allowed. Empty: profile 3 is off, and every station authenticates with its password. When set,
    /// the portal's HTTPS endpoints ask for a client certificate (browsers without one are not affected).
    /// </summary>
    public string? StationCaPath { get; set; }

    /// <summary>
    /// A PKCS#12 file with the certificate and key of the CA that signs station certificates (one of the operator's
    /// station CAs, under a root in <see cref="StationCaPath"/>), and its password: with it a station asks for its
    /// certificate over OCPP (SignCertificate, then CertificateSigned). Empty: such requests are rejected, and stations
    /// get their certificates outside the portal.
    /// </summary>
    public string? StationIssuerPath { get; set; }

    public string? StationIssuerPassword { get; set; }

    /// <summary>How long a station certificate the portal signs is valid.</summary>
    public int StationCertificateDays { get; set; } = 365;

    /// <summary>
    /// A station that connects with a certificate (profile 3) ending within this many days is asked to renew it
    /// (TriggerMessage SignChargingStationCertificate, use case A02), when the portal signs station certificates; asked
    /// again each day it stays connected until it has a new one. 0: never asked.
    /// </summary>
    public int RenewCertificateDays { get; set; } = 30;

    /// <summary>The largest frame a station may send; a bigger one closes the link (1009).</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Calls a station may make per second, on average…</summary>
    public double CallsPerSecond { get; set; } = 20;

    /// <summary>…and in one burst; beyond it the link is closed (1008) as a flood.</summary>
    public int CallBurst { get; set; } = 100;

    /// <summary>How long the portal waits for a station's answer to its call.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a station is asked to send its meter values during a transaction (SampledDataCtrlr.TxUpdatedInterval,
    /// set on each connection with the measurands the portal needs: power, SoC, energy registers). The portal judges a
    /// discharge by the power it sees within <c>Mediator:FollowGraceSeconds</c> (15 s), so keep it under that. 0: the
    /// station's own settings are left alone.
    /// </summary>
    public int MeterIntervalSeconds { get; set; } = 10;

    /// <summary>The interval told to a station in its BootNotificationResponse.</summary>
    public int HeartbeatSeconds { get; set; } = 300;
}
