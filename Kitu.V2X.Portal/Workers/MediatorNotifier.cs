using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Workers;

/// <summary>Pushes mediator and EVSE changes to open pages (in-process; pages subscribe, nothing polls).</summary>
public sealed class MediatorNotifier
{
    /// <summary>A command or decision changed.</summary>
    public event Action? Changed;

    /// <summary>An EVSE reported a status (SoC, power).</summary>
    public event Action<Guid, StatusMessage>? StatusReported;

    public void CommandsChanged() => Changed?.Invoke();

    public void EvseStatus(Guid evseId, StatusMessage status) => StatusReported?.Invoke(evseId, status);
}
