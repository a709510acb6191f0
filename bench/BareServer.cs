using System.Net;
using Kitu.V2X.Portal.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// The baseline every load figure is divided by: a bare SignalR hub in its own process (JSON and MessagePack, plain or
/// TLS) with no authentication and no logic. Its clients report twice after connecting and ack each command;
/// <c>POST /fanout</c> sends one command to all, <c>POST /stop</c> one stop to all, and <c>/diagnostics/memory</c>
/// reads the process's memory after forced full collections, as the portal's does.
/// </summary>
internal static class BareServer
{
    public static async Task<int> ServeAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var pfx = Harness.Str(args, "--tls");
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (pfx is not null)
            {
                listen.UseHttps(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfx, null));
            }
        }));
        builder.Services.AddSignalR().AddMessagePackProtocol();
        var app = builder.Build();
        app.MapHub<BareHub>("/hub");
        app.MapGet("/diagnostics/memory", () => Results.Ok(Memory.Measure()));
        app.MapPost("/fanout", async (IHubContext<BareHub> hub) =>
        {
            await hub.Clients.All.SendAsync("Discharge", Guid.NewGuid(), 5.0, DateTimeOffset.UtcNow.AddMinutes(30));
            return Results.Accepted();
        });
        app.MapPost("/stop", async (IHubContext<BareHub> hub) =>
        {
            await hub.Clients.All.SendAsync("Stop", Guid.NewGuid(), "bench");
            return Results.Accepted();
        });
        await app.StartAsync();
        Console.WriteLine($"URL={app.Urls.First()}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>No logic: a report is taken, an ack is taken.</summary>
    private sealed class BareHub : Hub
    {
        public Task Report(string payload) => Task.CompletedTask;

        public Task Ack(Guid commandId) => Task.CompletedTask;
    }
}
