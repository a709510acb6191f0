using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// Runs before the server takes requests (hosted services start before Kestrel): applies the committed
/// migrations of both stores (SQLite in write-ahead-log mode), makes sure the roles exist and, in demo mode, seeds the demo data;
/// then leaves every file in the data folder readable by the portal's user only.
/// </summary>
internal sealed class StartupTasks(IServiceProvider services, IOptions<DemoOptions> demo, ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        foreach (var database in new[] { sp.GetRequiredService<PortalDbContext>().Database, sp.GetRequiredService<GridDbContext>().Database })
        {
            await database.MigrateAsync(cancellationToken);
            if (database.IsSqlite())
            {
                // Write-ahead log: pages and API reads go on while the mediator writes a fan-out's outbox, and a commit is
                // one append and one sync instead of a rollback journal's copy of every page it touches. Kept in the file.
                await database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
            }
        }

        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        if (demo.Value.Enabled)
        {
            await sp.GetRequiredService<DemoSeeder>().SeedAsync(cancellationToken);
        }

        var storage = sp.GetRequiredService<PortalStorage>();
        PrivateFolders.RestrictAll(storage.DataDirectory); // databases, key ring, secrets: the portal's user only (the folder is 0700 too)
        logger.LogInformation("Data ready in {DataDirectory}", storage.DataDirectory);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
