namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>
/// Why a TLS handshake with a 2030.5 server failed, in words a site owner or a utility's engineer can act on. .NET
/// reports "see inner exception"; the cause is in the TLS alert the server sent (OpenSSL's text, deep in the chain).
/// </summary>
public static class TlsFailure
{
    // OpenSSL's alert and error texts → what they mean for a 2030.5 device.
    private static readonly (string Marker, string Meaning)[] Causes =
    [
        ("alert unknown ca", "the server does not trust the CA that issued this device's certificate (TLS alert \"unknown CA\"): the utility must enrol that CA, or the device needs a certificate from a CA the utility trusts"),
        ("alert bad certificate", "the server refused this device's certificate (TLS alert \"bad certificate\")"),
        ("alert certificate expired", "the server says this device's certificate has expired (TLS alert \"certificate expired\")"),
        ("alert certificate revoked", "the server says this device's certificate was revoked (TLS alert \"certificate revoked\")"),
        ("alert unsupported certificate", "the server cannot use this kind of device certificate (TLS alert \"unsupported certificate\"): 2030.5 needs ECDSA on P-256"),
        ("alert certificate unknown", "the server could not accept this device's certificate (TLS alert \"certificate unknown\")"),
        ("certificate required", "the server asked for a device certificate and got none (TLS alert \"certificate required\")"),
        ("alert access denied", "the server knows this device's certificate but denies it access (TLS alert \"access denied\")"),
        ("alert handshake failure", "the server refused the handshake (TLS alert \"handshake failure\"): most often no common cipher suite — 2030.5 needs TLS 1.2 with ECDHE-ECDSA-AES128-CCM8 and an ECDSA P-256 server certificate"),
        ("no shared cipher", "the two sides share no cipher suite: 2030.5 needs TLS 1.2 with ECDHE-ECDSA-AES128-CCM8"),
        ("alert protocol version", "the server does not speak TLS 1.2 (TLS alert \"protocol version\")"),
        ("unsupported protocol", "the server does not speak TLS 1.2"),
        ("wrong version number", "the server did not answer with TLS at all (is the URL's port an https one?)"),
        ("alert decrypt error", "the handshake's signatures did not verify (TLS alert \"decrypt error\"): the device's key may not match its certificate"),
        ("alert internal error", "the server failed internally during the handshake (TLS alert \"internal error\")"),
    ];

    /// <summary>The cause found in <paramref name="exception"/>'s chain, as a clause ("the server does not trust …"), or null.</summary>
    public static string? Cause(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            foreach (var (marker, meaning) in Causes)
            {
                if (e.Message.Contains(marker, StringComparison.OrdinalIgnoreCase))
                {
                    return meaning;
                }
            }
        }

        return null;
    }

    /// <summary>The deepest message in the chain (OpenSSL's own words), for the record.</summary>
    public static string Innermost(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message.Trim();
    }
}
