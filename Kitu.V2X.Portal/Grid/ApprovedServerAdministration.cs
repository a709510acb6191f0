using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Grid;

/// <summary>An approved server as the grid admin edits it.</summary>
public sealed class ApprovedServerForm
{
    public Guid? Id { get; set; }

    public string Name { get; set; } = "";

    public string UtilityName { get; set; } = "";

    public string DeviceCapabilityUrl { get; set; } = "https://";

    public string TrustAnchorPem { get; set; } = "";

    public bool Enabled { get; set; } = true;

    /// <summary>Whether the utility gives each charger a registration PIN owners must enter.</summary>
    public bool RequiresRegistrationPin { get; set; } = true;

    /// <summary>Where owners find the PIN (shown when one is missing).</summary>
    public string? RegistrationPinHint { get; set; }
}

/// <summary>
/// The grid admin's list of approved 2030.5 servers: add, edit, enable or disable, and check one — a real TLS
/// exchange as a throwaway device from the portal's CA or as a chosen EVSE's identity, every failure named with its
/// root cause. Changes restart the sessions of EVSEs bound to that server.
/// </summary>
public sealed class ApprovedServerAdministration(GridDbContext db, DeviceCertificateAuthority authority, DeviceIdentities identities, GridClientWorker worker, IOptions<GridOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<(ApprovedServer Server, int Bound)>> ListAsync(CancellationToken cancellationToken)
    {
        var servers = await db.ApprovedServers.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken);
        var counts = await db.GridBindings.GroupBy(b => b.ServerId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        return servers.Select(s => (s, counts.GetValueOrDefault(s.Id))).ToList();
    }

    /// <summary>Validates and saves; returns the errors by field (empty when saved).</summary>
    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(ApprovedServerForm form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = Validate(form);
        var name = form.Name.Trim();
        if (await db.ApprovedServers.AnyAsync(s => s.Name == name && s.Id != form.Id, cancellationToken))
        {
            errors[nameof(form.Name)] = "Another approved server has this name.";
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        var server = form.Id is { } id ? await db.ApprovedServers.SingleAsync(s => s.Id == id, cancellationToken) : null;
        if (server is null)
        {
            server = new ApprovedServer { Name = name, UtilityName = "", DeviceCapabilityUrl = "", TrustAnchorPem = "" };
            db.ApprovedServers.Add(server);
        }

        server.Name = name;
        server.UtilityName = form.UtilityName.Trim();
        server.DeviceCapabilityUrl = form.DeviceCapabilityUrl.Trim();
        server.TrustAnchorPem = form.TrustAnchorPem.Trim();
        server.Enabled = form.Enabled;
        server.RequiresRegistrationPin = form.RequiresRegistrationPin;
        server.RegistrationPinHint = string.IsNullOrWhiteSpace(form.RegistrationPinHint) ? null : form.RegistrationPinHint.Trim();
        await db.SaveChangesAsync(cancellationToken);
        form.Id = server.Id;
        await worker.RestartServerAsync(server.Id, cancellationToken);
        return errors;
    }

    /// <summary>
    /// Reads the server's DeviceCapability over TLS — as a throwaway device from the portal's CA, or as the EVSE
    /// <paramref name="asEvse"/> with its own identity, then also looks for that device among the server's EndDevices —
    /// and records the result: what worked, or the root cause of what did not, with the LFDI/SFDI that was presented.
    /// </summary>
    public async Task<string> CheckAsync(Guid serverId, CancellationToken cancellationToken, Guid? asEvse = null)
    {
        var server = await db.ApprovedServers.SingleAsync(s => s.Id == serverId, cancellationToken);
        var result = await ProbeAsync(server, asEvse, cancellationToken);
        server.LastCheckedAt = time.GetUtcNow();
        server.LastCheckResult = result.Length > 1_000 ? result[..1_000] : result;
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }

    /// <summary>The portal's device CA certificate (PEM), for a utility to enrol so it trusts portal-issued identities.</summary>
    public string DeviceCaPem => authority.Pem;

    /// <summary>The SHA-256 fingerprint of the portal's device CA, to read out when a utility enrols it.</summary>
    public string DeviceCaFingerprint => Convert.ToHexString(authority.Certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));

    /// <summary>The same probe, by an owner for their own EVSE (the caller has checked ownership); nothing is recorded.</summary>
    public async Task<string> ProbeAsEvseAsync(Guid serverId, Guid evseId, CancellationToken cancellationToken)
    {
        var server = await db.ApprovedServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == serverId && s.Enabled, cancellationToken);
        return server is null ? "That server is not an enabled approved server." : await ProbeAsync(server, evseId, cancellationToken);
    }

    private async Task<string> ProbeAsync(ApprovedServer server, Guid? asEvse, CancellationToken cancellationToken)
    {
        X509Certificate2 device;
        X509Certificate2Collection? chain = null;
        DeviceIdentity identity;
        string who;
        if (asEvse is { } evseId)
        {
            if (await identities.OpenAsync(evseId, cancellationToken) is not { } held)
            {
                return "The portal holds no certificate for that charger (none yet, or it runs its own 2030.5 client): nothing to check with.";
            }

            (device, chain, identity) = held;
            who = $"as the charger's identity (LFDI {identity.Lfdi}, SFDI {identity.SfdiDisplay})";
        }
        else
        {
            (device, _) = authority.IssueDevice();
            identity = DeviceIdentity.FromCertificate(device.RawData);
            who = $"as a throwaway device from the portal's device CA (SFDI {identity.SfdiDisplay})";
        }

        using (device)
        {
            try
            {
                var tls = new SepTls(SepTls.ParseTrustAnchors(server.TrustAnchorPem), time);
                var timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds);
                using var http = new HttpClient(tls.CreateHandler(device, timeout, TimeSpan.FromSeconds(1), chain)) { Timeout = Timeout.InfiniteTimeSpan };
                var client = new SepHttpClient(http, new Uri(server.DeviceCapabilityUrl), tls, requestTimeout: timeout); // one deadline for headers and body
                var dcap = await client.GetAsync<DeviceCapability>(server.DeviceCapabilityUrl, cancellationToken);
                var ok = $"OK {who}: DeviceCapability read over TLS 1.2 (pollRate {dcap.PollRate} s).";
                if (asEvse is null || dcap.EndDeviceListLink?.Href is not { } edev)
                {
                    return ok;
                }

                var devices = await client.GetAllAsync<EndDeviceList, EndDevice>(edev, l => l.Items, 32, 256, cancellationToken);
                return devices.Any(d => DeviceIdentity.SameLfdi(d.Lfdi, identity.Lfdi) || d.Sfdi == identity.Sfdi)
                    ? $"{ok} The server lists this device among its EndDevices."
                    : $"{ok} The server does not list this device yet; binding registers it (or the utility enrols it by its LFDI).";
            }
            catch (SepClientException ex)
            {
                return $"{SepClientException.Label(ex.Error)} {who}: {ex.Message}";
            }
            catch (ArgumentException ex)
            {
                return ex.Message;
            }
        }
    }

    private static Dictionary<string, string> Validate(ApprovedServerForm form)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(form.Name) || form.Name.Trim().Length > 100)
        {
            errors[nameof(form.Name)] = "Give the server a name of up to 100 characters.";
        }

        if (string.IsNullOrWhiteSpace(form.UtilityName) || form.UtilityName.Trim().Length > 100)
        {
            errors[nameof(form.UtilityName)] = "Name the utility that approved it (up to 100 characters).";
        }

        if (!Uri.TryCreate(form.DeviceCapabilityUrl.Trim(), UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.ToString().Length > 500)
        {
            errors[nameof(form.DeviceCapabilityUrl)] = "The DeviceCapability URL must be an absolute https:// URL, e.g. https://2030-5.utility.example/dcap.";
        }

        if (form.RegistrationPinHint is { Length: > 300 })
        {
            errors[nameof(form.RegistrationPinHint)] = "Say where owners find the PIN in at most 300 characters.";
        }

        try
        {
            if (form.TrustAnchorPem.Length > 20_000)
            {
                throw new ArgumentException("The trust anchor is longer than 20,000 characters; paste only the utility's CA certificate(s).");
            }

            SepTls.ParseTrustAnchors(form.TrustAnchorPem);
        }
        catch (ArgumentException ex)
        {
            errors[nameof(form.TrustAnchorPem)] = ex.Message.Split(" (Parameter", 2)[0];
        }

        return errors;
    }
}
