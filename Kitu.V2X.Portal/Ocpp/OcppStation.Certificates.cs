using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>The station's own certificate, signed by the operator's station CA on its request (use cases A02/A03).</summary>
public sealed partial class OcppStation
{
    /// <summary>
    /// SignCertificate: a charging-station certificate request is checked and, when sound, answered Accepted and signed
    /// — the chain follows as CertificateSigned; ISO 15118 certificates are not the portal's to sign (no V2G PKI here).
    /// One request at a time per link.
    /// </summary>
    private JsonObject SignCertificate(JsonElement payload)
    {
        var type = Text(payload, "certificateType");
        if (type is "V2GCertificate" or "V2G20Certificate")
        {
            return Rejected("NotSupported", "The portal is no V2G PKI: ISO 15118 certificates come from a V2G root's CAs.");
        }

        if (!certificates.Enabled)
        {
            return Rejected("NotSupported", "This portal signs no station certificates: the operator's CA issues them.");
        }

        if (Interlocked.CompareExchange(ref signing, 1, 0) != 0)
        {
            return Rejected("Busy", "A request of this station is being signed.");
        }

        var (chain, refusal) = certificates.Sign(charger.StationId, Text(payload, "csr") ?? "");
        if (chain is null)
        {
            Volatile.Write(ref signing, 0);
            LogCertificateRefused(charger.StationId, refusal!);
            return Rejected("InvalidCSR", refusal!);
        }

        var signed = new JsonObject { ["certificateChain"] = chain };
        if (type is not null)
        {
            signed["certificateType"] = type;
        }

        if (session.Version == OcppVersion.V21 && payload.TryGetProperty("requestId", out var id) && id.ValueKind == JsonValueKind.Number)
        {
            signed["requestId"] = id.GetInt32();
        }

        Enqueue(async () =>
        {
            try
            {
                var answer = await CallAsync("CertificateSigned", signed);
                LogCertificateSigned(charger.StationId, answer is { } a ? Text(a, "status") ?? "?" : "no answer");
            }
            finally
            {
                Volatile.Write(ref signing, 0);
            }
        });
        return new JsonObject { ["status"] = "Accepted" };
    }

    /// <summary>When the certificate the station connected with (profile 3) ends; null when it came with its password.</summary>
    public DateTimeOffset? CertificateEnds { get; init; }

    /// <summary>
    /// Use case A02: a station whose certificate ends within <see cref="OcppOptions.RenewCertificateDays"/> is asked for a
    /// new one (TriggerMessage SignChargingStationCertificate; its SignCertificate follows) — at its boot, and at most once
    /// a day on its heartbeats while the link stays up. Only when the portal signs station certificates.
    /// </summary>
    private void AskToRenewIfDue()
    {
        var now = time.GetUtcNow();
        if (CertificateEnds is not { } ends || !certificates.Enabled || session.Options.RenewCertificateDays <= 0
            || ends - now > TimeSpan.FromDays(session.Options.RenewCertificateDays)
            || (renewalAsked is { } asked && now - asked < TimeSpan.FromDays(1)))
        {
            return;
        }

        renewalAsked = now;
        Enqueue(async () =>
        {
            var answer = await CallAsync("TriggerMessage", new JsonObject { ["requestedMessage"] = "SignChargingStationCertificate" });
            var status = answer is { } a ? Text(a, "status") ?? "?" : "no answer";
            lock (state.Gate)
            {
                state.RenewalAnswer = status;
            }

            Report(); // its answer shows on the owner's page

            LogRenewalAsked(charger.StationId, ends, status);
        });
    }

    private static JsonObject Rejected(string reasonCode, string info) =>
        new() { ["status"] = "Rejected", ["statusInfo"] = new JsonObject { ["reasonCode"] = reasonCode, ["additionalInfo"] = info.Length > 512 ? info[..512] : info } };

    [Microsoft.Extensions.Logging.LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Information, "OCPP station {Station}: its certificate was signed; the station answered {Status}")]
    private partial void LogCertificateSigned(string station, string status);

    [Microsoft.Extensions.Logging.LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Information, "OCPP station {Station}: its certificate ends {Ends:u}; asked to renew it, it answered {Status}")]
    private partial void LogRenewalAsked(string station, DateTimeOffset ends, string status);

    [Microsoft.Extensions.Logging.LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Warning, "OCPP station {Station}: its certificate request was refused: {Reason}")]
    private partial void LogCertificateRefused(string station, string reason);
}
