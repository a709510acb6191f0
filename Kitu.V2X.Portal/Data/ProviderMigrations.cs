using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// Each engine has its own migrations for each store, side by side in this assembly: SQLite's under
/// <c>Data/Migrations/{Portal,Grid}</c>, PostgreSQL's under <c>Data/Migrations/PostgreSql/{Portal,Grid}</c>. EF Core
/// would take every migration of a context it finds in the assembly; this keeps those of the context's own engine, by
/// namespace, and that engine's model snapshot (so <c>dotnet ef migrations add</c> writes the next one against it too).
/// </summary>
#pragma warning disable EF1001 // MigrationsAssembly is EF Core's own, documented as replaceable; its API is internal-marked
internal sealed class ProviderMigrations(
    ICurrentDbContext currentContext,
    IDbContextOptions options,
    IMigrationsIdGenerator idGenerator,
    IDiagnosticsLogger<DbLoggerCategory.Migrations> logger)
    : MigrationsAssembly(currentContext, options, idGenerator, logger)
{
    /// <summary>The namespace part that sets PostgreSQL's migrations apart.</summary>
    public const string PostgreSqlFolder = ".Migrations.PostgreSql.";

    private readonly Type contextType = currentContext.Context.GetType();
    private readonly bool postgreSql = currentContext.Context.Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    private IReadOnlyDictionary<string, TypeInfo>? migrations;
    private ModelSnapshot? snapshot;
    private bool snapshotFound;

    /// <summary>The engine's migrations, ordered by id as EF Core applies them.</summary>
    public override IReadOnlyDictionary<string, TypeInfo> Migrations =>
        migrations ??= new SortedList<string, TypeInfo>(base.Migrations.Where(m => Mine(m.Value)).ToDictionary(m => m.Key, m => m.Value), StringComparer.Ordinal);

    public override ModelSnapshot? ModelSnapshot
    {
        get
        {
            if (!snapshotFound)
            {
                snapshot = Assembly.DefinedTypes
                    .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(ModelSnapshot)) && Mine(t)
                                && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == contextType)
                    .Select(t => (ModelSnapshot)Activator.CreateInstance(t.AsType())!)
                    .FirstOrDefault();
                snapshotFound = true;
            }

            return snapshot;
        }
    }

    private bool Mine(TypeInfo type) => (type.Namespace ?? "").Contains(PostgreSqlFolder, StringComparison.Ordinal) == postgreSql;
}
#pragma warning restore EF1001

/// <summary>Opening a store on its engine.</summary>
public static class StoreEngines
{
    /// <summary>The engine of a store (SQLite or PostgreSQL), with that engine's own migrations (<see cref="ProviderMigrations"/>).</summary>
    public static DbContextOptionsBuilder UseStore(this DbContextOptionsBuilder options, StorageProvider provider, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (provider == StorageProvider.PostgreSql)
        {
            options.UseNpgsql(connectionString);
        }
        else
        {
            options.UseSqlite(connectionString);
        }

        return options.ReplaceService<IMigrationsAssembly, ProviderMigrations>();
    }

    /// <summary>The same, typed.</summary>
    public static DbContextOptionsBuilder<TContext> UseStore<TContext>(this DbContextOptionsBuilder<TContext> options, StorageProvider provider, string connectionString)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseStore((DbContextOptionsBuilder)options, provider, connectionString);
}
