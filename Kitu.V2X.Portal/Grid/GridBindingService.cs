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

/// <summary>An approved server a site owner may choose, and whether (and where) its utility gives registration PINs.</summary>
public sealed record ServerChoice(Guid Id, string Name, string UtilityName, bool RequiresPin = true, string? PinHint = null);

/// <summary>
/// The grid side of the owner's bind switch. Knows EVSEs only by id: the caller (consumer side) has already checked
/// that the user owns the EVSE. Takes the EVSE's identity (its own, or a new one from the portal's device CA),
/// stores the binding, and either starts a session for it and returns the first result, or — for an EVSE that runs
/// its own 2030.5 client — tells it the server over its link and waits for its reports.
/// </summary>
public sealed class GridBindingService(GridDbContext db, DeviceIdentities identities, GridClientWorker worker, GridRulesFeed feed, TimeProvider time)
{
    public async Task<IReadOnlyList<ServerChoice>> ServersAsync(CancellationToken cancellationToken) =>
        await db.ApprovedServers.AsNoTracking().Where(s => s.Enabled).OrderBy(s => s.Name)
            .Select(s => new ServerChoice(s.Id, s.Name, s.UtilityName, s.RequiresRegistrationPin, s.RegistrationPinHint)).ToListAsync(cancellationToken);

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

        if (pin is null && server.RequiresRegistrationPin)
        {
            return new BindOutcome(MissingPin(server), null);
        }

        var credential = await identities.ForBindingAsync(request.EvseId, cancellationToken);
        if (await db.GridBindings.AnyAsync(b => b.EvseId != request.EvseId && b.Lfdi == credential.Lfdi, cancellationToken))
        {
            return new BindOutcome("Another charger is already bound with this 2030.5 identity (LFDI); each charger needs its own.", null);
        }

        var binding = await db.GridBindings.SingleOrDefaultAsync(b => b.EvseId == request.EvseId, cancellationToken);
        if (binding is null)
        {
            binding = new GridBinding { EvseId = request.EvseId, Lfdi = credential.Lfdi };
            db.GridBindings.Add(binding);
        }

        var resident = credential.Kind == DeviceIdentityKind.EvseResident;
        binding.Lfdi = credential.Lfdi;
        binding.Sfdi = credential.Sfdi;
        binding.ClientLocation = resident ? GridClientLocation.Evse : GridClientLocation.Portal;
        binding.ServerId = server.Id;
        binding.RegistrationPin = pin;
        binding.RatedChargeW = request.RatedChargeKw * 1000;
        binding.RatedDischargeW = request.RatedDischargeKw * 1000;
        binding.BoundAt = time.GetUtcNow();
        binding.LastIntegration = GridIntegration.RulesMissing;
        binding.LastDetail = null;
        await db.SaveChangesAsync(cancellationToken);

        worker.Start(binding, server, credential);
        if (resident)
        {
            return new BindOutcome(null, feed.Get(binding.EvseId)); // its own client reports once it has read the server
        }

        var rules = await worker.PollNowAsync(binding.EvseId, cancellationToken);
        return new BindOutcome(null, rules);
    }

    /// <summary>Turns the grid layer off for the EVSE: its session stops (or its own client is told to). Its identity is kept.</summary>
    public async Task UnbindAsync(Guid evseId, CancellationToken cancellationToken)
    {
        await db.GridBindings.Where(b => b.EvseId == evseId).ExecuteDeleteAsync(cancellationToken);
        db.Forget<GridBinding>(b => b.EvseId == evseId); // a page's context that bound it may bind it again
        worker.Stop(evseId);
    }

    /// <summary>What an owner is told when the server needs a PIN and none was given.</summary>
    public static string MissingPin(ApprovedServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var where = string.IsNullOrWhiteSpace(server.RegistrationPinHint)
            ? "You find it with your utility's approval to connect the charger (the interconnection agreement or the utility's customer portal), or ask the utility."
            : server.RegistrationPinHint.Trim();
        return $"{server.UtilityName} gives each charger a six-digit registration PIN: enter it to bind. {where}";
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
            return "A registration PIN has six digits, the last being a check digit. Check the PIN the utility gave.";
        }

        pin = value;
        return null;
    }
}
