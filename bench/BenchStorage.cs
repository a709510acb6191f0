namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// The engine the benchmarked portal's stores run on: SQLite files in its data folder (the default), or, with
/// <c>--storage postgresql</c>, two new databases on the PostgreSQL server of <c>KITU_BENCH_POSTGRES</c> (a connection
/// string without a database; <c>bench/postgres.sh</c> starts a throwaway one), named after the data folder.
/// </summary>
internal static class BenchStorage
{
    public static bool PostgreSql { get; set; }

    public static string Name => PostgreSql ? "PostgreSQL" : "SQLite";

    private static string Server => System.Environment.GetEnvironmentVariable("KITU_BENCH_POSTGRES") is { Length: > 0 } server ? server
        : throw new InvalidOperationException("--storage postgresql needs KITU_BENCH_POSTGRES (a connection string without a database): start a throwaway server with bench/postgres.sh.");

    /// <summary>The portal process's settings (environment variables) for a data folder.</summary>
    public static Dictionary<string, string> Environment(string dataDirectory) => PostgreSql
        ? new()
        {
            ["Storage__Provider"] = "PostgreSql",
            ["ConnectionStrings__Portal"] = ConnectionString(dataDirectory, "portal"),
            ["ConnectionStrings__Grid"] = ConnectionString(dataDirectory, "grid"),
        }
        : [];

    /// <summary>The same as command-line arguments of an in-process host.</summary>
    public static IEnumerable<string> Arguments(string dataDirectory) =>
        Environment(dataDirectory).Select(s => $"--{s.Key.Replace("__", ":", StringComparison.Ordinal)}={s.Value}");

    public static string ConnectionString(string dataDirectory, string store) =>
        $"{Server};Database=kitu_bench_{Path.GetFileName(dataDirectory.TrimEnd('/'))}_{store}".Replace('-', '_');
}
