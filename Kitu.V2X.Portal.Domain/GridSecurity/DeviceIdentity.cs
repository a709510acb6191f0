using System.Globalization;
using System.Security.Cryptography;

namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// A 2030.5 device's identity, derived from its certificate: the LFDI is the first 160 bits of the SHA-256 of the
/// certificate's DER encoding (40 hex digits); the SFDI is its first 36 bits as a decimal with a check digit.
/// </summary>
public sealed record DeviceIdentity(string Lfdi, ulong Sfdi)
{
    public static DeviceIdentity FromCertificate(ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(certificateDer, hash);
        var lfdi = Convert.ToHexString(hash[..20]);
        var first36Bits = ((ulong)hash[0] << 28) | ((ulong)hash[1] << 20) | ((ulong)hash[2] << 12) | ((ulong)hash[3] << 4) | ((ulong)hash[4] >> 4);
        return new DeviceIdentity(lfdi, (first36Bits * 10) + CheckDigit(first36Bits));
    }

    /// <summary>The digit that makes the sum of all decimal digits a multiple of ten.</summary>
    public static uint CheckDigit(ulong number)
    {
        var sum = 0u;
        for (var n = number; n > 0; n /= 10)
        {
            sum += (uint)(n % 10);
        }

        return (10 - (sum % 10)) % 10;
    }

    /// <summary>A registration PIN is six digits whose last is the check digit of the first five.</summary>
    public static bool IsValidPin(uint pin) => pin <= 999_999 && CheckDigit(pin / 10) == pin % 10;

    /// <summary>The SFDI grouped for reading aloud: 1672-6121-1391.</summary>
    public string SfdiDisplay
    {
        get
        {
            var digits = Sfdi.ToString(CultureInfo.InvariantCulture);
            var groups = new List<string>();
            for (var end = digits.Length; end > 0; end -= 4)
            {
                groups.Insert(0, digits[Math.Max(0, end - 4)..end]);
            }

            return string.Join('-', groups);
        }
    }

    public static bool SameLfdi(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
