using System.Net;
using Kitu.V2X.Portal.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration;

public sealed class HealthTests : IAsyncLifetime
{
    private readonly PortalFactory factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    [Fact]
    public async Task Healthz_answers_200_while_the_process_runs()
    {
        var response = await factory.CreateClient().GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_answers_200_when_both_databases_are_migrated()
    {
        var response = await factory.CreateClient().GetAsync("/readyz", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"portal-db\"", body, StringComparison.Ordinal);
        Assert.Contains("\"grid-db\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_answers_503_with_the_reason_when_the_grid_database_cannot_be_opened()
    {
        Assert.SkipWhen(PortalFactory.Engine != StorageProvider.Sqlite, "Damages the grid store's SQLite file; on PostgreSQL the server being gone is the case (the scale-out tests).");
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
        var gridFile = new SqliteConnectionStringBuilder(factory.Services.GetRequiredService<PortalStorage>().GridConnectionString).DataSource;

        SqliteConnection.ClearAllPools();
        await File.WriteAllBytesAsync(gridFile, new byte[4096], TestContext.Current.CancellationToken);
        var response = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("grid-db", body, StringComparison.Ordinal);
        Assert.Contains("cannot be opened", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_page_answers_404_with_a_friendly_page()
    {
        var response = await factory.CreateClient().GetAsync("/no/such/page", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("We could not find that page", body, StringComparison.Ordinal);
    }
}
