using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Kitu.V2X.Portal.Bench;

// dotnet run -c Release --project bench -- <scenario> [--quick]
//   decide   decisions per second of the agreement-to-discharge rules (BenchmarkDotNet)
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
    case "decide":
    case "all":
        BenchmarkRunner.Run<DecideBenchmarks>(config);
        return 0;
    default:
        Console.Error.WriteLine($"Unknown scenario '{scenario}'. Known: decide, all.");
        return 2;
}
