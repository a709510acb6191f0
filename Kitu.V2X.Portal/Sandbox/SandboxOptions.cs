namespace Kitu.V2X.Portal.Sandbox;

/// <summary>The sandbox 2030.5 server, a utility stand-in for demo and tests. Section <c>Sandbox</c>.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>On in demo mode; when on, it is seeded as the approved server "Sandbox Utility".</summary>
    public bool Enabled { get; set; }

    /// <summary>HTTPS port on localhost; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 5443;

    /// <summary>The pollRate every list and resource carries, in seconds.</summary>
    public uint PollRateSeconds { get; set; } = 10;

    /// <summary>The registration PIN the sandbox gives every device (six digits, the last a check digit).</summary>
    public uint RegistrationPin { get; set; } = 111115;

    /// <summary>Whether the sandbox utility has enrolled the portal's device CA (off to test chargers with other identities).</summary>
    public bool TrustPortalDeviceCa { get; set; } = true;

    public string ServerName { get; set; } = "Sandbox Utility";

    public string UtilityName { get; set; } = "Sandbox Utility (demo)";
}
