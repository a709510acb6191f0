using System.Net.WebSockets;
using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>Bad input on the EVSE hub is refused; the server and the other connections carry on.</summary>
public sealed class HubInputTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wrong_secret_is_refused_before_a_connection_exists()
    {
        await using var rig = await portal.RigAsync(connect: false);

        var ex = await Assert.ThrowsAsync<WebSocketException>(() => Connect(rig.EvseId, "wrong-secret").StartAsync(Ct));

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_credentials_are_refused()
    {
        var connection = new HubConnectionBuilder().WithUrl(new Uri(portal.Address, EvseHub.Path), HttpTransportType.WebSockets, o => o.SkipNegotiation = true).Build();

        var ex = await Assert.ThrowsAsync<WebSocketException>(() => connection.StartAsync(Ct));

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_origin_is_refused_even_with_the_right_secret()
    {
        await using var rig = await portal.RigAsync(connect: false);
        var connection = Connect(rig.EvseId, rig.Secret, origin: "https://evil.example");

        var ex = await Assert.ThrowsAsync<WebSocketException>(() => connection.StartAsync(Ct));

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_messages_are_refused_and_the_connection_stays_usable()
    {
        await using var rig = await portal.RigAsync(connect: false);
        await using var connection = Connect(rig.EvseId, rig.Secret);
        await connection.StartAsync(Ct);

        var unknown = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(nameof(EvseHub.Ack), Guid.NewGuid(), Ct));
        var soc = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(nameof(EvseHub.Status), new StatusMessage(true, "X", 150, false, 0, EvseState.Idle, null), Ct));
        var power = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(nameof(EvseHub.Status), new StatusMessage(true, "X", 50, false, 5_000, EvseState.Idle, null), Ct));
        var version = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(nameof(EvseHub.Hello), new HelloMessage(99, null, null, null, 11, 11), Ct));

        Assert.Contains("Unknown command id", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("SoC", soc.Message, StringComparison.Ordinal);
        Assert.Contains("Power", power.Message, StringComparison.Ordinal);
        Assert.Contains("Protocol version 99", version.Message, StringComparison.Ordinal);
        await connection.InvokeAsync(nameof(EvseHub.Heartbeat), Ct);
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task An_oversized_message_closes_only_that_connection()
    {
        await using var bystander = await portal.RigAsync();
        await using var rig = await portal.RigAsync(connect: false);
        await using var connection = Connect(rig.EvseId, rig.Secret);
        await connection.StartAsync(Ct);
        var closed = new TaskCompletionSource();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        _ = connection.SendAsync(nameof(EvseHub.Hello), new HelloMessage(1, new string('x', (int)EvseHub.MaximumMessageBytes + 1_000), null, null, 11, 11), Ct);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(HubConnectionState.Connected, bystander.Evse.State);
        await bystander.Evse.ReportAsync();
    }

    [Fact]
    public async Task A_second_connection_for_the_same_evse_replaces_the_first()
    {
        await using var rig = await portal.RigAsync(connect: false);
        await using var first = Connect(rig.EvseId, rig.Secret);
        await first.StartAsync(Ct);
        var firstClosed = new TaskCompletionSource();
        first.Closed += _ =>
        {
            firstClosed.TrySetResult();
            return Task.CompletedTask;
        };
        await using var second = Connect(rig.EvseId, rig.Secret);

        await second.StartAsync(Ct);

        await firstClosed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await second.InvokeAsync(nameof(EvseHub.Heartbeat), Ct);
    }

    private HubConnection Connect(Guid evseId, string secret, string? origin = null) =>
        new HubConnectionBuilder().WithUrl(new Uri(portal.Address, EvseHub.Path), HttpTransportType.WebSockets, o =>
        {
            o.Headers["Authorization"] = EvseKeyAuthentication.Header(evseId, secret);
            o.SkipNegotiation = true;
            if (origin is not null)
            {
                o.Headers["Origin"] = origin;
            }
        }).Build();
}
