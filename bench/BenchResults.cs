using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// <c>bench/results/latest.json</c>: each scenario's latest full-run figures, merged by scenario name, with the machine facts
/// and the time of the run. The tables in docs/benchmarks.md are written from full runs of the same scenarios.
/// </summary>
internal static class BenchResults
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Path => System.IO.Path.Combine(RepositoryRoot(), "bench", "results", "latest.json");

    /// <summary>Quick (smoke) runs go to a file of their own, never committed, so a smoke run never overwrites a measurement.</summary>
    public static string QuickPath => System.IO.Path.Combine(RepositoryRoot(), "bench", "results", "quick.json");

    public static void Record(string scenario, object figures, bool quick)
    {
        var path = quick ? QuickPath : Path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var root = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : [];
        root["machine"] = JsonSerializer.SerializeToNode(new
        {
            cores = Environment.ProcessorCount,
            memoryGiB = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0, 1),
            runtime = RuntimeInformation.FrameworkDescription,
            os = RuntimeInformation.OSDescription,
        }, Json);
        root[scenario] = JsonSerializer.SerializeToNode(new { at = DateTimeOffset.UtcNow, quick, figures }, Json);
        File.WriteAllText(path, root.ToJsonString(Json));
        Console.WriteLine($"Recorded {scenario} in {path}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Kitu.V2X.Portal.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
