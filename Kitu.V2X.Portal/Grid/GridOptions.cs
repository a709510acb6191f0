namespace Kitu.V2X.Portal.Grid;

/// <summary>The grid module's 2030.5 client settings. Section <c>Grid</c>.</summary>
public sealed class GridOptions
{
    public const string Section = "Grid";

    /// <summary>The floor under any server's pollRate, in seconds.</summary>
    public int MinimumPollSeconds { get; set; } = 10;

    /// <summary>How long one request may take before it is a timeout.</summary>
    public int RequestTimeoutSeconds { get; set; } = 15;

    /// <summary>How many EVSE sessions may poll at the same moment.</summary>
    public int MaxConcurrentPolls { get; set; } = 64;

    /// <summary>How long an idle TLS connection to a server is kept for the next poll.</summary>
    public int IdleConnectionSeconds { get; set; } = 120;
}
