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
/// reads the process's memory after forced full collections, as the portal's does. For OCPP, a bare WebSocket
/// endpoint <c>/ocpp/{id}</c> (subprotocol ocpp2.1, no authentication, no schema) answers every call with an empty
/// result; <c>POST /fanout-ocpp</c> and <c>/stop-ocpp</c> send one discharge and one charging-only profile to every
/// station.
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
        // --link-timeout S: keep a link silent for S seconds (SignalR's 30 s otherwise), as the portal's Evse:ClientTimeoutSeconds.
        var linkTimeout = Harness.Int(args, "--link-timeout", 0);
        builder.Services.AddSignalR(o =>
        {
            if (linkTimeout > 0)
            {
                o.ClientTimeoutInterval = TimeSpan.FromSeconds(linkTimeout);
            }
        }).AddMessagePackProtocol();
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
        var stations = new System.Collections.Concurrent.ConcurrentDictionary<System.Net.WebSockets.WebSocket, SemaphoreSlim>();
        app.UseWebSockets();
        app.Map("/ocpp/{id}", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync("ocpp2.1");
            var writing = new SemaphoreSlim(1, 1);
            stations[socket] = writing;
            try
            {
                await BareOcpp.ServeAsync(socket, writing);
            }
            finally
            {
                stations.TryRemove(socket, out _);
            }
        });
        app.MapPost("/fanout-ocpp", async () =>
        {
            await Task.WhenAll(stations.Select(s => BareOcpp.SendAsync(s.Key, s.Value, BareOcpp.Profile("CentralSetpoint", Guid.NewGuid()))));
            return Results.Accepted();
        });
        app.MapPost("/stop-ocpp", async () =>
        {
            await Task.WhenAll(stations.Select(s => BareOcpp.SendAsync(s.Key, s.Value, BareOcpp.Profile("ChargingOnly", null))));
            return Results.Accepted();
        });
        await app.StartAsync();
        Console.WriteLine($"URL={app.Urls.First()}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>The bare OCPP-J side: read frames, answer each call with an empty result; nothing checked, nothing kept.</summary>
    private static class BareOcpp
    {
        public static async Task ServeAsync(System.Net.WebSockets.WebSocket socket, SemaphoreSlim writing)
        {
            // As lean as the gateway: an idle socket holds no buffer (a zero-byte read waits for data).
            while (socket.State == System.Net.WebSockets.WebSocketState.Open)
            {
                System.Net.WebSockets.ValueWebSocketReceiveResult result;
                var length = 0;
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
                try
                {
                    if ((await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None)).MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                    {
                        return;
                    }

                    do
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                        length += result.Count;
                    }
                    while (!result.EndOfMessage && length < buffer.Length);
                }
                catch (System.Net.WebSockets.WebSocketException)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                // [2,"id",…]: the id is the second element; a result is [3,"id",{}].
                var text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                if (text.StartsWith("[2,\"", StringComparison.Ordinal))
                {
                    var id = text[4..text.IndexOf('"', 4)];
                    await SendAsync(socket, writing, System.Text.Encoding.UTF8.GetBytes($"[3,\"{id}\",{{\"currentTime\":\"{DateTimeOffset.UtcNow:O}\",\"interval\":300,\"status\":\"Accepted\"}}]"));
                }
            }
        }

        public static byte[] Profile(string mode, Guid? commandId) => System.Text.Encoding.UTF8.GetBytes(
            $"[2,\"{Guid.NewGuid():N}\",\"SetChargingProfile\",{{\"evseId\":1,\"chargingProfile\":{{\"id\":7001,\"stackLevel\":1,\"chargingProfilePurpose\":\"TxProfile\",\"chargingProfileKind\":\"Absolute\",\"transactionId\":\"tx\","
            + $"\"validTo\":\"{DateTimeOffset.UtcNow.AddMinutes(2):O}\",\"chargingSchedule\":[{{\"id\":1,\"chargingRateUnit\":\"W\",\"startSchedule\":\"{DateTimeOffset.UtcNow:O}\",\"chargingSchedulePeriod\":[{{\"startPeriod\":0,\"operationMode\":\"{mode}\""
            + (mode == "CentralSetpoint" ? ",\"setpoint\":-5000,\"dischargeLimit\":-5000" : ",\"limit\":22000")
            + "}]}]" + (commandId is { } c ? $",\"customData\":{{\"vendorId\":\"bench\",\"commandId\":\"{c:D}\"}}" : "") + "}}]");

        public static async Task SendAsync(System.Net.WebSockets.WebSocket socket, SemaphoreSlim writing, byte[] frame)
        {
            await writing.WaitAsync();
            try
            {
                await socket.SendAsync(frame, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                // gone
            }
            finally
            {
                writing.Release();
            }
        }
    }

    /// <summary>No logic: a report is taken, an ack is taken.</summary>
    private sealed class BareHub : Hub
    {
        public Task Report(string payload) => Task.CompletedTask;

        public Task Ack(Guid commandId) => Task.CompletedTask;
    }
}
