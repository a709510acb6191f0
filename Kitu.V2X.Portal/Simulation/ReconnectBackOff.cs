using Microsoft.AspNetCore.SignalR.Client;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// How a charger reconnects to its central system, as OCPP configures it (RetryBackOffWaitMinimum,
/// RetryBackOffRandomRange, RetryBackOffRepeatTimes): once at once, then after a wait that doubles from the minimum
/// for the given number of times and stays there — for as long as it runs, never giving up — each wait with a random
/// spread, so a fleet that lost the portal together (a restart) does not come back in one burst.
/// </summary>
public sealed class ReconnectBackOff(TimeSpan minimum, TimeSpan randomRange, int repeatTimes) : IRetryPolicy
{
    /// <summary>1 s doubling five times (to 32 s), up to 2 s of spread.</summary>
    public static ReconnectBackOff Charger { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 5);

    /// <summary>Every 0.5–1 s, never doubling: for test rigs, where a busy machine may take long to start the next host.</summary>
    public static ReconnectBackOff Eager { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500), 0);

    public TimeSpan? NextRetryDelay(RetryContext retryContext)
    {
        ArgumentNullException.ThrowIfNull(retryContext);
        if (retryContext.PreviousRetryCount == 0)
        {
            return TimeSpan.Zero; // a blip: straight back
        }

        var doublings = (int)Math.Min(retryContext.PreviousRetryCount - 1, repeatTimes);
        return minimum * Math.Pow(2, doublings) + randomRange * Random.Shared.NextDouble();
    }
}
