using System.Collections.Concurrent;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>A flood of bad hub calls costs the log one short warning per link and quiet period, never a stack trace.</summary>
public sealed class RejectedCallLogTests(RejectedCallLogTests.Portal portal) : IClassFixture<RejectedCallLogTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_thousand_refused_calls_on_one_link_log_one_warning_line_without_a_stack()
    {
        await using var rig = await portal.RigAsync(connect: false);
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(portal.Address, EvseHub.Path), HttpTransportType.WebSockets, o =>
        {
            o.Headers["Authorization"] = EvseKeyAuthentication.Header(rig.EvseId, rig.Secret);
            o.SkipNegotiation = true;
        }).Build();
        await connection.StartAsync(Ct);
        portal.Log.Clear();

        for (var i = 0; i < 2_000; i++)
        {
            await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(nameof(EvseHub.Status), new StatusMessage(true, "X", 150, false, 0, EvseState.Idle, null), Ct));
        }

        var lines = portal.Log.ToArray();
        var bytes = lines.Sum(l => l.Length);
        TestContext.Current.SendDiagnosticMessage($"2,000 refused calls: {lines.Length} log lines, {bytes} bytes");
        Assert.Single(lines, l => l.Contains("Status refused: SoC must be between 0 and 100 %.", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
        Assert.True(bytes < 2_000, $"{bytes} bytes logged for 2,000 refused calls");
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task Two_hundred_refused_api_calls_log_one_line()
    {
        using var http = new HttpClient { BaseAddress = portal.Address };
        http.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key");
        portal.Log.Clear();

        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/programs", Ct)).StatusCode);
        }

        var lines = portal.Log.ToArray();
        TestContext.Current.SendDiagnosticMessage($"200 refused API calls: {lines.Length} log lines, {lines.Sum(l => l.Length)} bytes");
        Assert.Single(lines, l => l.Contains("API GET /api/v1/programs refused with 401", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal));
    }

    /// <summary>The live portal, its log kept in memory (warnings and above, with any exception's stack).</summary>
    public sealed class Portal : LivePortal
    {
        public ConcurrentQueue<string> Log { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddLogging(l => l.AddProvider(new Collector(Log))));
        }

        private sealed class Collector(ConcurrentQueue<string> log) : ILoggerProvider
        {
            public ILogger CreateLogger(string categoryName) => new Logger(log);

            public void Dispose()
            {
            }

            private sealed class Logger(ConcurrentQueue<string> log) : ILogger
            {
                public IDisposable? BeginScope<TState>(TState state)
                    where TState : notnull => null;

                public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

                public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                {
                    if (IsEnabled(logLevel))
                    {
                        log.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
                    }
                }
            }
        }
    }
}
