using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Kitu.V2X.Portal.Bench;

// dotnet run -c Release --project bench -- <scenario> [--quick]
//   decide          decisions per second of the agreement-to-discharge rules (BenchmarkDotNet)
//   grid-sessions   N 2030.5 client sessions against the sandbox server [--sessions 10000 --poll 60 --seconds 180]
//   connections     server memory per EVSE connection, portal vs a bare hub [--evses 1000 | --quick]
// --quick runs a short job: a smoke test of the harness, not a measurement.
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "decide";
var quick = args.Contains("--quick");
var config = DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator);
if (quick)
{
    config = config.AddJob(Job.Dry.WithId("quick"));
}

switch (scenario)
{
    case "grid-sessions":
        return await GridSessionsLoad.RunAsync(args);
    case "connections":
        return await ConnectionsLoad.RunAsync(args);
    case "bare-hub":
        return await ConnectionsLoad.ServeBareHubAsync(args);
    case "sandbox-serve":
        return await GridSessionsLoad.ServeSandboxAsync(args);
    case "decide":
    case "all":
        BenchmarkRunner.Run<DecideBenchmarks>(config);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown scenario '{scenario}'. Known: decide, grid-sessions, connections, all.");
        return 2;
}
