namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// Whether this instance is in touch with the other instances (through Redis, when <c>Redis:Configuration</c> is set).
/// Out of touch, the portal goes on serving what it knows — pages, links, the grid layer — but dispatching pauses (an
/// event planned where the others cannot hear of it could run twice or not at all) and every page says so; when Redis
/// is back, all of it resumes by itself. One instance without Redis is never out of touch.
/// </summary>
public sealed class ScaleOutStatus(IConfiguration configuration)
{
    public const string PausedMessage = "Dispatching is paused: this portal instance has lost its link to the other instances (Redis). It resumes by itself when the link is back; what is running goes on.";

    private volatile bool connected;

    /// <summary>Several instances are configured (Redis).</summary>
    public bool Configured { get; } = !string.IsNullOrWhiteSpace(configuration["Redis:Configuration"]);

    /// <summary>Configured and out of touch: dispatching pauses.</summary>
    public bool Degraded => Configured && !connected;

    /// <summary>Raised when <see cref="Degraded"/> may have changed.</summary>
    public event Action? Changed;

    /// <summary>The link to Redis came up or went down.</summary>
    public void Set(bool isConnected)
    {
        if (connected == isConnected)
        {
            return;
        }

        connected = isConnected;
        Changed?.Invoke();
    }
}
