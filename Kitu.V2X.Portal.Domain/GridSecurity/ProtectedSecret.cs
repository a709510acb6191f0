namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// A small secret of the grid layer — a certificate authority with its key (the portal's device CA, the sandbox
/// utility's) — encrypted with the shared key ring, kept in the grid store so that every instance of the portal issues
/// and trusts with the same one.
/// </summary>
public sealed class ProtectedSecret
{
    public required string Name { get; init; }

    /// <summary>The secret, encrypted with the key ring (never in clear).</summary>
    public required byte[] ProtectedValue { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
