using System.Globalization;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Grid;

/// <summary>What binding asked for: an EVSE (by opaque id), an approved server, an optional PIN and the rating.</summary>
public sealed record BindRequest(Guid EvseId, Guid ServerId, string? RegistrationPin, double RatedChargeKw, double RatedDischargeKw);

/// <summary>The outcome of binding: an error in plain words, or the first rules read.</summary>
public sealed record BindOutcome(string? Error, GridRules? Rules)
{
    public bool Succeeded => Error is null;
}

/// <summary>An approved server a site owner may choose.</summary>
public sealed record ServerChoice(Guid Id, string Name, string UtilityName);

/// <summary>
/// The grid side of the owner's bind switch. Knows EVSEs only by id: the caller (consumer side) has already checked
/// that the user owns the EVSE. Issues the device certificate, stores the binding, starts the session and returns
/// the first result.
/// </summary>
public sealed class GridBindingService(GridDbContext db, DeviceCertificateAuthority authority, GridClientWorker worker, GridRulesFeed feed, TimeProvider time)
{
    public async Task<IReadOnlyList<ServerChoice>> ServersAsync(CancellationToken cancellationToken) =>
        await db.ApprovedServers.AsNoTracking().Where(s => s.Enabled).OrderBy(s => s.Name)
            .Select(s => new ServerChoice(s.Id, s.Name, s.UtilityName)).ToListAsync(cancellationToken);

    public GridRules Rules(Guid evseId) => feed.Get(evseId);

    public async Task<BindOutcome> BindAsync(BindRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ParsePin(request.RegistrationPin, out var pin) is { } pinError)
        {
            return new BindOutcome(pinError, null);
        }

        var server = await db.ApprovedServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == request.ServerId, cancellationToken);
        if (server is not { Enabled: true })
        {
            return new BindOutcome("That server is not an enabled approved server. Choose one from the list.", null);
        }

        var binding = await db.GridBindings.SingleOrDefaultAsync(b => b.EvseId == request.EvseId, cancellationToken);
        if (binding is null)
        {
            var (certificate, protectedCertificate) = authority.IssueDevice();
            var identity = DeviceIdentity.FromCertificate(certificate.RawData);
            binding = new GridBinding { EvseId = request.EvseId, Lfdi = identity.Lfdi, Sfdi = identity.Sfdi, ProtectedCertificate = protectedCertificate };
            db.GridBindings.Add(binding);
        }

        binding.ServerId = server.Id;
        binding.RegistrationPin = pin;
        binding.RatedChargeW = request.RatedChargeKw * 1000;
        binding.RatedDischargeW = request.RatedDischargeKw * 1000;
        binding.BoundAt = time.GetUtcNow();
        binding.LastIntegration = GridIntegration.RulesMissing;
        binding.LastDetail = null;
        await db.SaveChangesAsync(cancellationToken);

        worker.Start(binding, server);
        var rules = await worker.PollNowAsync(binding.EvseId, cancellationToken);
        return new BindOutcome(null, rules);
    }

    /// <summary>Turns the grid layer off for the EVSE: its session stops and its certificate is deleted.</summary>
    public async Task UnbindAsync(Guid evseId, CancellationToken cancellationToken)
    {
        await db.GridBindings.Where(b => b.EvseId == evseId).ExecuteDeleteAsync(cancellationToken);
        worker.Stop(evseId);
    }

    private static string? ParsePin(string? text, out uint? pin)
    {
        pin = null;
        var trimmed = text?.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length != 6 || !uint.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || !DeviceIdentity.IsValidPin(value))
        {
            return "A registration PIN has six digits, the last being a check digit. Check the PIN the utility gave, or leave it empty.";
        }

        pin = value;
        return null;
    }
}
