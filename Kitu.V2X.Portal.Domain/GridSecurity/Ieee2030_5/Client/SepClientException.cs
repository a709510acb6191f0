namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>Why an exchange with a 2030.5 server failed; shown on the EVSE's grid status.</summary>
public enum SepClientError
{
    /// <summary>The server's certificate does not chain to the pinned trust anchor, or names another host.</summary>
    Certificate,

    /// <summary>The TLS handshake failed for another reason (cipher suite, protocol version, client certificate refused).</summary>
    Tls,

    /// <summary>The server could not be reached (connection refused or reset, name not found).</summary>
    Unreachable,

    /// <summary>No answer within the request timeout.</summary>
    Timeout,

    /// <summary>The server answered with an HTTP error status.</summary>
    Http,

    /// <summary>Not well-formed XML, not the expected resource, or not <c>application/sep+xml</c>.</summary>
    Malformed,

    /// <summary>Larger than the size limit (1 MB).</summary>
    TooLarge,

    /// <summary>The root element is not in <c>urn:ieee:std:2030.5:ns</c>.</summary>
    WrongNamespace,

    /// <summary>A DTD, external entity or entity expansion.</summary>
    DtdProhibited,

    /// <summary>A value outside its range.</summary>
    OutOfRange,

    /// <summary>A required link is missing or the resources do not fit together.</summary>
    Protocol,
}

/// <summary>A failed exchange with a 2030.5 server, with the reason named and said in plain words.</summary>
public sealed class SepClientException(SepClientError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public SepClientError Error { get; } = error;

    /// <summary>A short label for the error kind, for status lines ("certificate", "HTTP error", …).</summary>
    public static string Label(SepClientError error) => error switch
    {
        SepClientError.Certificate => "certificate mismatch",
        SepClientError.Tls => "TLS handshake failed",
        SepClientError.Unreachable => "server unreachable",
        SepClientError.Timeout => "timeout",
        SepClientError.Http => "HTTP error",
        SepClientError.Malformed => "malformed document",
        SepClientError.TooLarge => "document too large",
        SepClientError.WrongNamespace => "wrong XML namespace",
        SepClientError.DtdProhibited => "DTD or entity refused",
        SepClientError.OutOfRange => "value out of range",
        SepClientError.Protocol => "protocol error",
        _ => error.ToString(),
    };

    internal static SepClientException FromFormat(SepFormatException ex, string href) => new(
        ex.Error switch
        {
            SepFormatError.TooLarge => SepClientError.TooLarge,
            SepFormatError.WrongNamespace => SepClientError.WrongNamespace,
            SepFormatError.DtdProhibited => SepClientError.DtdProhibited,
            SepFormatError.OutOfRange => SepClientError.OutOfRange,
            _ => SepClientError.Malformed,
        },
        $"{href}: {ex.Message}",
        ex);
}
