namespace Kitu.V2X.Portal.Bench;

/// <summary>Helpers the load scenarios share: start many clients a few at a time, and tidy up after a run.</summary>
internal static class Concurrently
{
    /// <summary>Runs <paramref name="start"/> for every item, at most 64 at once (a fleet connecting, not a stampede).</summary>
    public static async Task ForAllAsync<T>(IEnumerable<T> items, Func<T, Task> start)
    {
        using var gate = new SemaphoreSlim(64);
        await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                await start(item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    public static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // a file still held; the temp cleaner takes it
        }
    }
}
