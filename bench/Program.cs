using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kitu.V2X.Portal.Bench;

// dotnet run -c Release --project bench -- <scenario> [--quick]
//   decide          decisions per second of the agreement-to-discharge rules (BenchmarkDotNet)
//   grid-sessions   N 2030.5 client sessions against the sandbox server [--sessions 10000 --poll 60 --seconds 180]
//   connections     server memory per EVSE connection, portal vs a bare hub [--evses 1000 --tls]
//                   --ocpp: idle OCPP 2.1 stations on the gateway vs a bare WebSocket server
//   fan-out         one event to N EVSEs (dispatch → each ack), the driver's stop and the operator's cancel,
//                   portal vs a bare hub
//                   [--evses 1000 --protocol json|messagepack --transport ocpp]
//                   --transport ocpp: OCPP 2.1 stations, the dispatch as charging profiles, vs a bare WebSocket server
//                   --restart: instead, the portal killed mid-event and started again; time to ready and to every
//                   command resumed
//                   --storage postgresql: the portal's stores on PostgreSQL (KITU_BENCH_POSTGRES, see bench/postgres.sh);
//                   --storage compare: on SQLite, then on PostgreSQL, against one bare hub
//   cluster         N EVSE links over several portal instances on PostgreSQL and Redis (KITU_BENCH_POSTGRES; a Redis
//                   of its own) vs as many bare hubs: memory per link, one event to all N [--evses 50000 --instances 3]
//   all             every scenario above, one after the other (with --quick: about two minutes)
// --quick runs a short job: a smoke test of the harness, not a measurement. Results: bench/results/latest.json.
var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "decide";
var quick = args.Contains("--quick");
Harness.Quick = quick;

switch (scenario)
{
    case "grid-sessions":
        return await GridSessionsLoad.RunAsync(quick ? [.. args, "--sessions", "50", "--poll", "10", "--seconds", "5"] : args);
    case "connections":
        return await ConnectionsLoad.RunAsync(args);
    case "fan-out":
        return await FanOutLoad.RunAsync(args);
    case "cluster":
        return await FanOutLoad.ClusterAsync(args);
    case "decide":
        RunDecide(quick);
        return 0;
    case "all":
        RunDecide(quick);
        var failures = await GridSessionsLoad.RunAsync(quick ? ["--sessions", "50", "--poll", "10", "--seconds", "5"] : ["--sessions", "10000"]);
        // The full run: N = 1,000, 10,000 and 19,000 (the most one server process can hold), plain and TLS, JSON and
        // MessagePack — well over an hour on this machine kind; --quick runs each once with a small N.
        foreach (var n in quick ? ["quick"] : new[] { "1000", "10000", "19000" })
        {
            string[] size = quick ? ["--quick"] : ["--evses", n];
            failures += await ConnectionsLoad.RunAsync(size);
            failures += await ConnectionsLoad.RunAsync([.. size, "--tls"]);
            failures += await FanOutLoad.RunAsync(size);
            failures += await FanOutLoad.RunAsync([.. size, "--protocol", "messagepack"]);
        }

        // OCPP 2.1 stations on the gateway: idle links and the dispatch as charging profiles, at 10,000.
        string[] stations = quick ? ["--quick"] : ["--evses", "10000"];
        failures += await ConnectionsLoad.RunAsync([.. stations, "--ocpp"]);
        failures += await FanOutLoad.RunAsync([.. stations, "--transport", "ocpp"]);

        failures += await FanOutLoad.RunAsync(quick ? ["--quick", "--restart"] : ["--evses", "10000", "--restart"]);

        return failures;

    // Child processes the scenarios start.
    case "bare-hub":
        return await BareServer.ServeAsync(args);
    case "load":
        return await LoadFleet.RunChildAsync(args);
    case "sandbox-serve":
        return await GridSessionsLoad.ServeSandboxAsync(args);
    default:
        Console.Error.WriteLine($"Unknown scenario '{scenario}'. Known: decide, grid-sessions, connections, fan-out, cluster, all.");
        return 2;
}

static void RunDecide(bool quick)
{
    var config = DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator);
    if (quick)
    {
        // In this process: a smoke run need not build and start a separate benchmark project (that took most of its
        // 45 s); the measured run keeps BenchmarkDotNet's own process per benchmark.
        config = config.AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("quick"));
    }

    var summary = BenchmarkRunner.Run<DecideBenchmarks>(config);
    BenchResults.Record("decide", summary.Reports.ToDictionary(
        r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
        r => (object)new { meanNs = r.ResultStatistics?.Mean ?? double.NaN, decisionsPerSecond = r.ResultStatistics is { Mean: > 0 } s ? 1e9 / s.Mean : 0 }), quick);
}
