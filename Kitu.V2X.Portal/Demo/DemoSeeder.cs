using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Demo;

/// <summary>Seeds the demo accounts (confirmed, so they can log in at once) and their sites and chargers. Idempotent.</summary>
internal sealed class DemoSeeder(UserManager<PortalUser> users, PortalDbContext db, IOptions<DemoOptions> options, TimeProvider time, ILogger<DemoSeeder> logger)
{
    public async Task SeedAsync(CancellationToken ct)
    {
        foreach (var account in DemoAccounts.All)
        {
            ct.ThrowIfCancellationRequested();
            if (await users.FindByEmailAsync(account.Email) is not null)
            {
                continue;
            }

            var user = new PortalUser
            {
                UserName = account.Email,
                Email = account.Email,
                EmailConfirmed = true,
                DisplayName = account.DisplayName,
            };
            Check(await users.CreateAsync(user, options.Value.Password), account.Email);
            Check(await users.AddToRoleAsync(user, account.Role), account.Email);
            logger.LogInformation("Seeded demo account {Email} as {Role}", account.Email, account.Role);
        }

        var owner = await users.FindByEmailAsync(DemoAccounts.Owner.Email);
        var fleet = await users.FindByEmailAsync(DemoAccounts.Fleet.Email);
        await DemoSites.SeedAsync(db, owner!.Id, fleet!.Id, ct);
        await DemoSites.EnsureOcppPostAsync(db, fleet.Id, ct);
        var driver = await users.FindByEmailAsync(DemoAccounts.Driver.Email);
        var operatorUser = await users.FindByEmailAsync(DemoAccounts.Operator.Email);
        await DemoFleet.SeedAsync(db, driver!.Id, fleet.Id, operatorUser!, time, ct);
        await DemoFleet.TrustHomeChargerAsync(db, owner.Id, ct);
        await DemoFleet.SeedCarMakerAsync(db, (await users.FindByEmailAsync(DemoAccounts.CarMaker.Email))!, time, ct);
    }

    private static void Check(IdentityResult result, string email)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not seed demo account {email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}
