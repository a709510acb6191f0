using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;
using NetArchTest.Rules;

namespace Kitu.V2X.Portal.Tests.Architecture;

/// <summary>The seed paper's two layers, kept apart by tests rather than by hope.</summary>
public sealed class LayerTests
{
    private const string Domain = "Kitu.V2X.Portal.Domain";
    private const string GridSecurity = Domain + ".GridSecurity";

    private static Types DomainTypes => Types.InAssembly(typeof(PortalRoles).Assembly);

    [Fact]
    public void The_domain_references_no_aspnet_core()
    {
        var result = DomainTypes.ShouldNot().HaveDependencyOnAny("Microsoft.AspNetCore", "Microsoft.Extensions.Hosting").GetResult();

        Assert.True(result.IsSuccessful, Describe(result));
    }

    [Fact]
    public void The_domain_references_no_entity_framework()
    {
        var result = DomainTypes.ShouldNot().HaveDependencyOn("Microsoft.EntityFrameworkCore").GetResult();

        Assert.True(result.IsSuccessful, Describe(result));
    }

    [Fact]
    public void The_domain_assembly_references_only_the_base_library()
    {
        var references = typeof(PortalRoles).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard", $"Domain references {name}"));
    }

    [Fact]
    public void Grid_security_depends_on_nothing_of_the_consumer_side()
    {
        var result = DomainTypes.That().ResideInNamespace(GridSecurity)
            .ShouldNot().HaveDependencyOnAny(Domain + ".ConsumerSupport", Domain + ".Mediation", "Kitu.V2X.Portal.Data", "Kitu.V2X.Portal.Components")
            .GetResult();

        Assert.True(result.IsSuccessful, Describe(result));
    }

    /// <summary>Everything of the consumer side that grid code in the web host must never reference.</summary>
    private static readonly string[] ConsumerSide =
    [
        Domain + ".ConsumerSupport",
        Domain + ".Mediation",
        "Kitu.V2X.Portal.Data.Portal",
        typeof(PortalDbContext).FullName!,
        typeof(PortalUser).FullName!,
        "Kitu.V2X.Portal.Sites",
        "Kitu.V2X.Portal.Accounts",
        "Kitu.V2X.Portal.Drivers",
        "Kitu.V2X.Portal.Programs",
        "Kitu.V2X.Portal.Discharge",
        "Kitu.V2X.Portal.Hubs",
        "Kitu.V2X.Portal.Api",
        "Kitu.V2X.Portal.Demo",
        "Kitu.V2X.Portal.Simulation",
        "Kitu.V2X.Portal.Components",
        "Microsoft.AspNetCore.Identity",
    ];

    [Fact]
    public void The_grid_module_and_the_sandbox_in_the_web_host_touch_nothing_of_the_consumer_side()
    {
        var result = GridCodeOf(Types.InAssembly(typeof(GridDbContext).Assembly), "Kitu.V2X.Portal.Grid", "Kitu.V2X.Portal.Sandbox");

        Assert.True(result.IsSuccessful, Describe(result));
    }

    [Fact]
    public void The_rule_catches_grid_code_that_references_the_consumer_side()
    {
        // The same rule over types planted in this test assembly: one that names a driver's vehicle, one the mediator.
        var result = GridCodeOf(Types.InAssembly(typeof(LayerTests).Assembly), typeof(Planted.Grid.LeakyGridRelay).Namespace!, typeof(Planted.Sandbox.SandboxPeekingAtTheMediator).Namespace!);

        Assert.False(result.IsSuccessful);
        Assert.Equal(
            [typeof(Planted.Grid.LeakyGridRelay).FullName!, typeof(Planted.Sandbox.SandboxPeekingAtTheMediator).FullName!],
            result.FailingTypeNames.Order(StringComparer.Ordinal));
    }

    private static NetArchTest.Rules.TestResult GridCodeOf(Types types, string grid, string sandbox) =>
        types.That().ResideInNamespace(grid).Or().ResideInNamespace(sandbox)
            .ShouldNot().HaveDependencyOnAny(ConsumerSide)
            .GetResult();

    [Fact]
    public void The_grid_module_exists_where_the_rule_above_looks_for_it()
    {
        var grid = Types.InAssembly(typeof(GridDbContext).Assembly).That().ResideInNamespace("Kitu.V2X.Portal.Grid").GetTypes();

        Assert.Contains(grid, t => t.Name == "GridClientWorker");
    }

    [Fact]
    public void The_grid_store_maps_only_grid_security_types()
    {
        using var db = new GridDbContext(new DbContextOptionsBuilder<GridDbContext>().UseStore(StorageProvider.Sqlite, "Data Source=:memory:").Options);

        // Besides the grid's own types, only the lease of its sessions among instances (key, instance name, expiry, token).
        var entityTypes = db.Model.GetEntityTypes().Select(e => e.ClrType).Where(t => t != typeof(Kitu.V2X.Portal.ScaleOut.Lease)).ToList();

        Assert.NotEmpty(entityTypes);
        Assert.All(entityTypes, t => Assert.StartsWith(GridSecurity, t.Namespace, StringComparison.Ordinal));
    }

    [Fact]
    public void The_grid_store_has_no_column_that_could_hold_personal_data()
    {
        string[] personal = ["email", "phone", "address", "driver", "vehicle", "vin", "user", "person", "owner", "firstname", "lastname", "birth", "payment", "card"];
        using var db = new GridDbContext(new DbContextOptionsBuilder<GridDbContext>().UseStore(StorageProvider.Sqlite, "Data Source=:memory:").Options);

        var columns = db.Model.GetEntityTypes().SelectMany(e => e.GetProperties().Select(p => $"{e.GetTableName()}.{p.GetColumnName()}")).ToList();

        Assert.All(columns, c => Assert.DoesNotContain(personal, word => c.Contains(word, StringComparison.OrdinalIgnoreCase)));
    }

    private static string Describe(NetArchTest.Rules.TestResult result) =>
        result.IsSuccessful ? "" : "Offending types: " + string.Join(", ", result.FailingTypeNames ?? []);
}
