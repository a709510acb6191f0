using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>
/// The random offsets of randomized events (<c>randomizeStart</c>, <c>randomizeDuration</c>, the delay of a
/// cancellation with randomization): one uniform draw between 0 and the value, per device and event version. The draw
/// is derived from the device's identity and the event, so it stays the same across polls and restarts, and differs
/// from device to device as randomization means to.
/// </summary>
public class EventRandomization(string deviceKey)
{
    /// <summary>A draw in [0, <paramref name="limit"/>] (or [limit, 0] for a negative limit).</summary>
    public virtual int Draw(string mrid, ushort version, string what, int limit)
    {
        if (limit == 0)
        {
            return 0;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{deviceKey}|{mrid.ToUpperInvariant()}|{version}|{what}"), hash);
        var n = (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)(Math.Abs(limit) + 1));
        return limit > 0 ? n : -n;
    }
}
