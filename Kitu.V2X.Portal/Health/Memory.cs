using System.Diagnostics;

namespace Kitu.V2X.Portal.Health;

/// <summary>Managed heap and process working set after forced full collections (benchmark harness).</summary>
public static class Memory
{
    public sealed record Reading(long HeapBytes, long WorkingSetBytes, int Connections);

    public static Reading Measure(int connections = 0)
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var process = Process.GetCurrentProcess();
        return new Reading(GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64, connections);
    }
}
