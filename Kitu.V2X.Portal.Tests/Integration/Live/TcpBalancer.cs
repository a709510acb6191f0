using System.Net;
using System.Net.Sockets;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// A load balancer in front of several portal instances, as tests need one: TCP on a loopback port, each new connection
/// to the first instance that accepts it (an instance that is gone refuses, and the next one is tried). Bytes are only
/// copied: TLS, HTTP, WebSockets all pass through.
/// </summary>
public sealed class TcpBalancer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Func<IReadOnlyList<Uri>> backends;
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;

    /// <param name="backends">The instances, in order of preference, asked again for each new connection.</param>
    public TcpBalancer(Func<IReadOnlyList<Uri>> backends)
    {
        this.backends = backends;
        listener.Start();
        accepting = AcceptAsync();
    }

    /// <summary>Where clients connect: http://localhost:port/.</summary>
    public Uri Address => new($"http://localhost:{((IPEndPoint)listener.LocalEndpoint).Port}/");

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        {
            foreach (var backend in backends())
            {
                using var server = new TcpClient();
                try
                {
                    await server.ConnectAsync(backend.Host, backend.Port, stop.Token);
                }
                catch (SocketException)
                {
                    continue; // gone: the next one
                }

                using var both = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                var (a, b) = (client.GetStream(), server.GetStream());
                var up = a.CopyToAsync(b, both.Token);
                var down = b.CopyToAsync(a, both.Token);
                try
                {
                    await Task.WhenAny(up, down);
                }
                finally
                {
                    await both.CancelAsync(); // one side closed: close the other
                }

                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }
}
