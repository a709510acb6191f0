using System.Security.Cryptography;
using System.Text;

namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>
/// The secret an EVSE presents on its live connection, issued at provisioning and shown once. Only its SHA-256 is
/// stored: the secret is 256 random bits, so a slow password hash adds nothing and a fast one keeps reconnect storms
/// cheap.
/// </summary>
public sealed class EvseCredential
{
    public Guid EvseId { get; set; }

    public required byte[] SecretHash { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>The longest password an OCPP station takes (SecurityCtrlr.BasicAuthPassword is a passwordString of at most 40).</summary>
    public const int OcppSecretLength = 40;

    /// <summary>A new secret (URL-safe; 43 characters unless asked for fewer, at least 22) and the credential that stores its hash.</summary>
    public static (string Secret, EvseCredential Credential) Issue(Guid evseId, DateTimeOffset now, int length = 43)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 22);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 43);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')[..length];
        return (secret, new EvseCredential { EvseId = evseId, SecretHash = Hash(secret), IssuedAt = now });
    }

    public bool Matches(string? secret) =>
        secret is { Length: > 0 and <= 128 } && CryptographicOperations.FixedTimeEquals(Hash(secret), SecretHash);

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
