using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;
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
}

/// <summary>
/// The grid admin's list of approved 2030.5 servers: add, edit, enable or disable, and check one (a real TLS
/// exchange with a throwaway device identity). Changes restart the sessions of EVSEs bound to that server.
/// </summary>
public sealed class ApprovedServerAdministration(GridDbContext db, DeviceCertificateAuthority authority, GridClientWorker worker, IOptions<GridOptions> options, TimeProvider time)
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
        await db.SaveChangesAsync(cancellationToken);
        form.Id = server.Id;
        await worker.RestartServerAsync(server.Id, cancellationToken);
        return errors;
    }

    /// <summary>Reads the server's DeviceCapability over TLS with a throwaway device identity and records the result.</summary>
    public async Task<string> CheckAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var server = await db.ApprovedServers.SingleAsync(s => s.Id == serverId, cancellationToken);
        string result;
        try
        {
            var tls = new SepTls(SepTls.ParseTrustAnchors(server.TrustAnchorPem), time);
            var (device, _) = authority.IssueDevice();
            var timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds);
            using var http = new HttpClient(tls.CreateHandler(device, timeout, TimeSpan.FromSeconds(1))) { Timeout = timeout };
            var client = new SepHttpClient(http, new Uri(server.DeviceCapabilityUrl), tls);
            var dcap = await client.GetAsync<DeviceCapability>(server.DeviceCapabilityUrl, cancellationToken);
            result = $"OK: DeviceCapability read over TLS (pollRate {dcap.PollRate} s).";
        }
        catch (SepClientException ex)
        {
            result = $"{SepClientException.Label(ex.Error)}: {ex.Message}";
        }
        catch (ArgumentException ex)
        {
            result = ex.Message;
        }

        server.LastCheckedAt = time.GetUtcNow();
        server.LastCheckResult = result.Length > 500 ? result[..500] : result;
        await db.SaveChangesAsync(cancellationToken);
        return result;
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
