using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Grid;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// Several instances issue chargers' 2030.5 certificates with one device CA: on PostgreSQL it lives in the grid store
/// (protected by the shared key ring), not in each instance's data folder.
/// </summary>
public sealed class SharedDeviceCaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_instances_with_data_folders_of_their_own_share_the_device_ca_through_the_grid_store()
    {
        Assert.SkipWhen(PortalFactory.Engine != StorageProvider.PostgreSql, "One instance on SQLite keeps its device CA in its data folder.");
        await using var first = new ProductionPortalFactory();
        var ca = first.Services.GetRequiredService<DeviceCertificateAuthority>().Pem;
        await using var second = new OnStoresOf(first.DataDirectory);

        Assert.Equal(ca, second.Services.GetRequiredService<DeviceCertificateAuthority>().Pem);
        Assert.False(Directory.Exists(Path.Combine(first.DataDirectory, "secrets")) && File.Exists(Path.Combine(first.DataDirectory, "secrets", "device-ca.protected")));
        await using var grid = first.OpenGridStore();
        Assert.True(await grid.ProtectedSecrets.AnyAsync(s => s.Name == "device-ca", Ct));

        // What the first issued, the second opens (one key ring), and it chains to the shared CA.
        var (issued, protectedCertificate) = first.Services.GetRequiredService<DeviceCertificateAuthority>().IssueDevice();
        var opened = second.Services.GetRequiredService<DeviceCertificateAuthority>().Open(protectedCertificate);
        Assert.Equal(issued.Thumbprint, opened.Thumbprint);
        Assert.Equal(second.Services.GetRequiredService<DeviceCertificateAuthority>().Certificate.Subject, opened.Issuer);
    }

    /// <summary>An instance with its own data folder on another instance's stores.</summary>
    private sealed class OnStoresOf(string otherDataDirectory) : PortalFactory
    {
        protected override bool DemoEnabled => false;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ConnectionStrings:Portal", ConnectionString(otherDataDirectory, "portal"));
            builder.UseSetting("ConnectionStrings:Grid", ConnectionString(otherDataDirectory, "grid"));
        }
    }
}
