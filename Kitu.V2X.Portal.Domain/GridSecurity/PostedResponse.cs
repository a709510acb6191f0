namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// A DERControlResponse one EVSE's client posted: the event's mRID and the status. Kept so that each response is
/// posted once per event and status, also across a restart.
/// </summary>
public sealed class PostedResponse
{
    public long Id { get; set; }

    public Guid EvseId { get; set; }

    /// <summary>The event's mRID (up to 32 hex digits, upper case).</summary>
    public required string Subject { get; set; }

    public byte Status { get; set; }

    public DateTimeOffset PostedAt { get; set; }
}
