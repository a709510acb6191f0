using System.Data.Common;
using LinqToDB.Data;
using LinqToDB.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// Inserts many new rows at once — the outbox's commands, the decisions and the audit lines of a fan-out to thousands
/// of cars — in the context's current transaction, with the EF Core model's columns and value converters. On SQLite,
/// one INSERT per row, each column's parameter made by its EF Core mapping (SQLite runs in-process, so a statement
/// costs no round trip; 40,000 rows took as long as linq2db's multi-row statements — the B-tree work of the rows and
/// their indexes dominates — and every value is stored exactly as SaveChanges stores it); elsewhere linq2db's bulk
/// copy (COPY on PostgreSQL). EF Core's own SaveChanges would also track every row.
/// </summary>
public static class BulkInserts
{
    static BulkInserts() => LinqToDBForEFTools.Initialize();

    /// <summary>Rows per multi-row statement for providers other than SQLite.</summary>
    public const int BatchRows = 400;

    public static async Task InsertAllAsync<T>(this DbContext db, IReadOnlyCollection<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        if (db.Database.IsSqlite())
        {
            await InsertPreparedAsync(db, rows, cancellationToken);
            return;
        }

        await db.BulkCopyAsync(new BulkCopyOptions { BulkCopyType = BulkCopyType.MultipleRows, MaxBatchSize = BatchRows }, rows, cancellationToken);
    }

    private static async Task InsertPreparedAsync<T>(DbContext db, IReadOnlyCollection<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        if (entity.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) || entity.GetComplexProperties().Any())
        {
            throw new NotSupportedException($"{typeof(T).Name} has owned or complex parts; insert it with SaveChanges.");
        }

        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => !(p.ValueGenerated == ValueGenerated.OnAdd && p.IsPrimaryKey() && p.ClrType == typeof(long))) // the store's rowid numbers it
            .Select(p => (Property: p, Column: p.GetColumnName(table)!, Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping()))
            .ToList();

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = $"INSERT INTO \"{table.Name}\" ({string.Join(", ", columns.Select(c => $"\"{c.Column}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
            foreach (var row in rows)
            {
                command.Parameters.Clear();
                for (var i = 0; i < columns.Count; i++)
                {
                    var (property, _, mapping) = columns[i];
                    // The mapping's own parameter: its converter and store type, exactly as EF Core writes this column.
                    command.Parameters.Add(mapping.CreateParameter(command, $"@p{i}", property.GetGetter().GetClrValueUsingContainingEntity(row), property.IsNullable));
                }

                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
