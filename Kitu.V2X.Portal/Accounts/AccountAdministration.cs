using System.Security.Cryptography;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Accounts;

/// <summary>What a GridAdmin does with accounts: create program operators and other grid admins.</summary>
public sealed class AccountAdministration(UserManager<PortalUser> users, PortalDbContext db, ILogger<AccountAdministration> logger)
{
    /// <summary>Roles only a GridAdmin can grant.</summary>
    public static IReadOnlyList<string> GrantableRoles { get; } = [PortalRoles.ProgramOperator, PortalRoles.GridAdmin];

    public sealed record AccountRow(string Id, string Email, string? DisplayName, IReadOnlyList<string> Roles, bool LockedOut);

    public sealed record CreateResult(bool Succeeded, string? InitialPassword, IReadOnlyList<string> Errors);

    public async Task<IReadOnlyList<AccountRow>> ListPrivilegedAsync(CancellationToken ct)
    {
        var rows = new List<AccountRow>();
        foreach (var role in GrantableRoles)
        {
            foreach (var user in await users.GetUsersInRoleAsync(role))
            {
                ct.ThrowIfCancellationRequested();
                if (rows.Any(r => r.Id == user.Id))
                {
                    continue;
                }

                var roles = await users.GetRolesAsync(user);
                rows.Add(new AccountRow(user.Id, user.Email ?? "", user.DisplayName, [.. roles], await users.IsLockedOutAsync(user)));
            }
        }

        return [.. rows.OrderBy(r => r.Email, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Creates a confirmed account with a one-time password that is returned once and never stored in clear.</summary>
    public async Task<CreateResult> CreateAsync(string email, string? displayName, string role, CancellationToken ct, Guid? operatorId = null)
    {
        if (!GrantableRoles.Contains(role))
        {
            return new CreateResult(false, null, [$"A grid administrator can create only {string.Join(" or ", GrantableRoles.Select(PortalRoles.DisplayName))} accounts."]);
        }

        if (role == PortalRoles.ProgramOperator && (operatorId is null || !await db.ProgramOperators.AnyAsync(o => o.Id == operatorId, ct)))
        {
            return new CreateResult(false, null, ["Choose the operator (OEM, utility, CPO or third party) this account acts for."]);
        }

        email = email.Trim();
        if (await users.Users.AnyAsync(u => u.NormalizedEmail == users.NormalizeEmail(email), ct))
        {
            return new CreateResult(false, null, [$"An account with {email} already exists."]);
        }

        var password = GeneratePassword();
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(), OperatorId = role == PortalRoles.ProgramOperator ? operatorId : null };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return new CreateResult(false, null, [.. created.Errors.Select(e => e.Description)]);
        }

        var granted = await users.AddToRoleAsync(user, role);
        if (!granted.Succeeded)
        {
            await users.DeleteAsync(user);
            return new CreateResult(false, null, [.. granted.Errors.Select(e => e.Description)]);
        }

        logger.LogInformation("Account {UserId} created with role {Role}", user.Id, role);
        return new CreateResult(true, password, []);
    }

    public async Task<IReadOnlyList<ProgramOperator>> OperatorsAsync(CancellationToken ct) =>
        await db.ProgramOperators.AsNoTracking().OrderBy(o => o.Name).ToListAsync(ct);

    /// <summary>
    /// Creates an operator organisation; for a car maker, the comma-separated vehicle makes its telematics link
    /// reaches. The error in plain words, or null.
    /// </summary>
    public async Task<string?> CreateOperatorAsync(string name, OperatorKind kind, CancellationToken ct, string? vehicleMakes = null)
    {
        var makes = (vehicleMakes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (makes.Count > 0 && kind != OperatorKind.Oem)
        {
            return "Only a car maker (OEM) names the vehicle makes its telematics reaches.";
        }

        if (makes.Count > 50 || makes.Any(m => m.Length > 40))
        {
            return "Name at most 50 vehicle makes of up to 40 characters each.";
        }

        name = name?.Trim() ?? "";
        if (name.Length is 0 or > 100)
        {
            return "Give the operator a name of up to 100 characters.";
        }

        if (!Enum.IsDefined(kind))
        {
            return "Choose OEM, utility, CPO or third party.";
        }

        if (await db.ProgramOperators.AnyAsync(o => o.Name == name, ct))
        {
            return $"An operator named {name} already exists.";
        }

        db.ProgramOperators.Add(new ProgramOperator { Name = name, Kind = kind, VehicleMakes = makes });
        await db.SaveChangesAsync(ct);
        return null;
    }

    private static string GeneratePassword()
    {
        // 16 random characters from an unambiguous alphabet, plus one of each class Identity asks for.
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 16) + "-7a";
    }
}
