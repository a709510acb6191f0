using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Kitu.V2X.Portal.Sandbox;

/// <summary>
/// A small IEEE 2030.5 server on its own HTTPS port — TLS 1.2, ECDHE-ECDSA-AES128-CCM8, client certificates
/// required and chained to a device CA the sandbox utility enrolled (<see cref="SandboxTrust"/>) — serving <see cref="SandboxState"/>. Each device is known by the LFDI of
/// the certificate it presents and sees only its own resources. A real server over the network, not a mock.
/// </summary>
public sealed class SandboxServer(SandboxState state, X509Certificate2 serverCertificate, SandboxTrust trust, int port, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    /// <summary>A server that trusts exactly these device CAs.</summary>
    public SandboxServer(SandboxState state, X509Certificate2 serverCertificate, X509Certificate2Collection deviceAuthorities, int port, ILoggerFactory loggerFactory)
        : this(state, serverCertificate, new SandboxTrust(deviceAuthorities), port, loggerFactory)
    {
    }

    public SandboxTrust Trust => trust;

    private const int MaxRequestBytes = 64 * 1024;
    private readonly ILogger logger = loggerFactory.CreateLogger<SandboxServer>();
    private WebApplication? app;

    /// <summary>The DeviceCapability URL once started, e.g. <c>https://localhost:5443/dcap</c>.</summary>
    public Uri? DeviceCapabilityUrl { get; private set; }

    public bool IsRunning => app is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(SandboxServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBytes;
            kestrel.Limits.MaxConcurrentConnections = 19_000;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(3);
            void Https(ListenOptions listen)
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(Tls());
            }

            if (port == 0)
            {
                kestrel.Listen(IPAddress.Loopback, 0, Https);
            }
            else
            {
                kestrel.ListenLocalhost(port, Https);
            }
        });

        var web = builder.Build();
        Map(web);
        await web.StartAsync(cancellationToken);
        app = web;
        var address = new Uri(web.Urls.First());
        DeviceCapabilityUrl = new Uri($"https://localhost:{address.Port}/dcap");
        logger.LogInformation("Sandbox 2030.5 server listening at {Url}", DeviceCapabilityUrl);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (app is { } web)
        {
            app = null;
            await web.StopAsync(cancellationToken);
            await web.DisposeAsync();
            logger.LogInformation("Sandbox 2030.5 server stopped");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private HttpsConnectionAdapterOptions Tls() => new()
    {
        ServerCertificate = serverCertificate,
        SslProtocols = SslProtocols.Tls12,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        CheckCertificateRevocation = false,
        ClientCertificateValidation = (certificate, _, _) => ChainsToDeviceAuthority(certificate),
        OnAuthenticate = (_, options) => options.CipherSuitesPolicy = SepTls.CipherSuites,
    };

    private bool ChainsToDeviceAuthority(X509Certificate2 certificate) => trust.Accepts(certificate);

    private void Map(WebApplication web)
    {
        web.Use(async (http, next) =>
        {
            state.Count(http.Request.Method, http.Request.Path.Value ?? "/");
            if (state.FaultOn(http.Request.Path.Value ?? "/") is { } fault)
            {
                await MisbehaveAsync(http, fault);
                return;
            }

            await next(http);
        });

        web.MapGet("/dcap", (HttpContext http) => Xml(state.DeviceCapability(Lfdi(http))));
        web.MapGet("/tm", () => Xml(state.Time()));
        web.MapGet("/edev", (HttpContext http, int? s, int? l) => Xml(state.EndDevices(Lfdi(http), Math.Max(0, s ?? 0), Limit(l))));
        web.MapPost("/edev", async (HttpContext http) =>
        {
            var posted = await ReadAsync<EndDevice>(http);
            var identity = Identity(http);
            if (posted is null || !DeviceIdentity.SameLfdi(posted.Lfdi, identity.Lfdi) || posted.Sfdi != identity.Sfdi)
            {
                return Results.Problem("An EndDevice may register only itself: lFDI and sFDI must match its certificate.", statusCode: 400);
            }

            var href = state.Register(identity.Lfdi, identity.Sfdi);
            return href is null ? Results.StatusCode(503) : Results.Created(href, null);
        });

        var edev = web.MapGroup("/edev/{index:int}");
        edev.MapGet("/", (HttpContext http, int index) => Own(http, index, d => Xml(state.EndDevice(d))));
        edev.MapGet("/rg", (HttpContext http, int index) => Own(http, index, d => state.WithholdRegistration ? Results.NotFound() : Xml(state.Registration(d))));
        edev.MapGet("/fsa", (HttpContext http, int index) => Own(http, index, d => Xml(state.Assignments(d))));
        edev.MapGet("/der", (HttpContext http, int index) => Own(http, index, d => state.OfferDerList ? Xml(state.DerList(d)) : Results.NotFound()));
        edev.MapPut("/der/0/dercap", async (HttpContext http, int index) => await StoreAsync<DerCapability>(http, index, (d, v) => d.Capability = v));
        edev.MapPut("/der/0/derg", async (HttpContext http, int index) => await StoreAsync<DerSettings>(http, index, (d, v) => d.Settings = v));
        edev.MapPut("/der/0/ders", async (HttpContext http, int index) => await StoreAsync<DerStatus>(http, index, (d, v) => d.Status = v));
        edev.MapPut("/der/0/dera", async (HttpContext http, int index) => await StoreAsync<DerAvailability>(http, index, (d, v) => d.Availability = v));

        web.MapGet("/derp", (int? s, int? l) => Xml(state.Programs(Math.Max(0, s ?? 0), Limit(l))));
        web.MapGet("/derp/{program:int}", (int program) => XmlOrNotFound(state.Program(program)));
        web.MapGet("/derp/{program:int}/dderc", (int program) => XmlOrNotFound(state.DefaultControl(program)));
        web.MapGet("/derp/{program:int}/derc", (int program, int? s, int? l) => XmlOrNotFound(state.ControlList(program, Math.Max(0, s ?? 0), Limit(l))));
        web.MapGet("/derp/{program:int}/dc", (int program, int? s, int? l) => XmlOrNotFound(state.Curves(program, Math.Max(0, s ?? 0), Limit(l))));
        web.MapGet("/derp/{program:int}/dc/{curve:int}", (int program, int curve) => XmlOrNotFound(state.Curve(program, curve)));
        web.MapPost("/rsp", async (HttpContext http) =>
        {
            var response = await ReadAsync<DerControlResponse>(http);
            return response is not null && state.Store(Lfdi(http), response) ? Results.Created() : Results.BadRequest();
        });
    }

    /// <summary>An HTTP error, a body that trickles (headers at once, then a byte now and then), or no answer at all.</summary>
    private static async Task MisbehaveAsync(HttpContext http, SandboxFault fault)
    {
        if (fault.Hang)
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        if (fault.StatusCode is { } code)
        {
            http.Response.StatusCode = code;
            return;
        }

        if (fault.BodyDelayPerByte is { } delay)
        {
            http.Response.ContentType = Sep.MediaType;
            await http.Response.StartAsync(http.RequestAborted);
            var body = "<DeviceCapability xmlns=\"urn:ieee:std:2030.5:ns\" href=\"/dcap\" pollRate=\"10\"></DeviceCapability>"u8.ToArray();
            try
            {
                for (var i = 0; !http.RequestAborted.IsCancellationRequested; i = (i + 1) % body.Length)
                {
                    await http.Response.Body.WriteAsync(body.AsMemory(i, 1), http.RequestAborted);
                    await http.Response.Body.FlushAsync(http.RequestAborted);
                    await Task.Delay(delay, http.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as it should.
            }
        }
    }

    private static IResult XmlOrNotFound<T>(T? resource)
        where T : class => resource is null ? Results.NotFound() : Xml(resource);

    private static int Limit(int? l) => Math.Clamp(l ?? 32, 0, 256);

    private static IResult Xml<T>(T resource)
        where T : class => Results.Bytes(SepXml.Write(resource), Sep.MediaType);

    private static DeviceIdentity Identity(HttpContext http) =>
        DeviceIdentity.FromCertificate(http.Connection.ClientCertificate!.RawData);

    private static string Lfdi(HttpContext http) => Identity(http).Lfdi;

    private IResult Own(HttpContext http, int index, Func<SandboxDevice, IResult> serve) =>
        state.Own(Lfdi(http), index) is { } device ? serve(device) : Results.NotFound();

    private async Task<IResult> StoreAsync<T>(HttpContext http, int index, Action<SandboxDevice, T> store)
        where T : class
    {
        if (state.Own(Lfdi(http), index) is not { } device)
        {
            return Results.NotFound();
        }

        if (await ReadAsync<T>(http) is not { } value)
        {
            return Results.BadRequest();
        }

        state.Store(device, d => store(d, value));
        return Results.NoContent();
    }

    private async Task<T?> ReadAsync<T>(HttpContext http)
        where T : class
    {
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            return SepXml.Read<T>(buffer.ToArray(), MaxRequestBytes);
        }
        catch (Exception ex) when (ex is SepFormatException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            logger.LogWarning("Sandbox refused a {Resource}: {Reason}", typeof(T).Name, ex.Message);
            return null;
        }
    }
}
