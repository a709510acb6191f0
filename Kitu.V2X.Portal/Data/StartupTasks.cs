using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// Runs before the server takes requests (hosted services start before Kestrel): applies the committed
/// migrations of both stores, makes sure the roles exist and, in demo mode, seeds the demo data.
/// </summary>
internal sealed class StartupTasks(IServiceProvider services, IOptions<DemoOptions> demo, ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        await sp.GetRequiredService<PortalDbContext>().Database.MigrateAsync(cancellationToken);
        await sp.GetRequiredService<GridDbContext>().Database.MigrateAsync(cancellationToken);

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

        logger.LogInformation("Data ready in {DataDirectory}", sp.GetRequiredService<PortalStorage>().DataDirectory);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
