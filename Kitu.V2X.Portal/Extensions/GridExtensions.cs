using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Extensions;

internal static class GridExtensions
{
    /// <summary>
    /// The Grid Security module: device CA, per-EVSE 2030.5 client sessions, the rules feed, approved servers and,
    /// when enabled, the sandbox 2030.5 server. Registered after the data start-up tasks so the store is migrated.
    /// </summary>
    public static WebApplicationBuilder AddGridSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingletonTimeProvider();
        services.Configure<GridOptions>(builder.Configuration.GetSection(GridOptions.Section));
        services.Configure<SandboxOptions>(builder.Configuration.GetSection(SandboxOptions.Section));
        services.AddSingleton<ProtectedFiles>();
        services.AddSingleton<DeviceCertificateAuthority>();
        services.AddSingleton<GridRulesFeed>();
        services.AddSingleton<GridResponseJournal>();
        services.AddScoped<DeviceIdentities>();
        services.AddScoped<GridBindingService>();
        services.AddScoped<ApprovedServerAdministration>();
        services.AddSingleton<SandboxState>();

        // Order matters: the sandbox registers itself as an approved server before the client sessions load.
        services.AddSingleton<SandboxHost>();
        services.AddHostedService(sp => new ConditionalHostedService(
            sp.GetRequiredService<IOptions<SandboxOptions>>().Value.Enabled ? sp.GetRequiredService<SandboxHost>() : null));
        services.AddSingleton<GridLease>(); // before the worker, which waits for its first try
        services.AddSingleton<Kitu.V2X.Portal.ScaleOut.HeldLease>(sp => sp.GetRequiredService<GridLease>());
        services.AddHostedService(sp => sp.GetRequiredService<GridLease>());
        services.AddSingleton<GridRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<GridRelay>());
        services.AddSingleton<GridClientWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<GridClientWorker>());
        return builder;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>Runs the inner service only when it is configured on.</summary>
    private sealed class ConditionalHostedService(IHostedService? inner) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => inner?.StartAsync(cancellationToken) ?? Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => inner?.StopAsync(cancellationToken) ?? Task.CompletedTask;
    }
}
