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

    /// <summary>A new secret (43 characters, URL-safe) and the credential that stores its hash.</summary>
    public static (string Secret, EvseCredential Credential) Issue(Guid evseId, DateTimeOffset now)
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (secret, new EvseCredential { EvseId = evseId, SecretHash = Hash(secret), IssuedAt = now });
    }

    public bool Matches(string? secret) =>
        secret is { Length: > 0 and <= 128 } && CryptographicOperations.FixedTimeEquals(Hash(secret), SecretHash);

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
