using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Tests.Integration.Data;

/// <summary>
/// The bulk insert of the outbox, decisions and audit writes every column exactly as EF Core's SaveChanges writes it
/// (the same storage class and text: GUIDs, instants, enums as text, JSON lists), so EF Core finds the rows again.
/// </summary>
public sealed class BulkInsertTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 17, 30, 15, 123, TimeSpan.Zero);
    private static readonly Guid ProgramId = Guid.Parse("5d0c8f9e-1b2a-4c3d-8e7f-6a5b4c3d2e1f");
    private static readonly Guid VehicleId = Guid.Parse("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
    private readonly string store = TestStores.NewPortalStore("bulk");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await using var db = TestStores.Portal(store);
        await db.Database.MigrateAsync(Ct);
    }

    public async ValueTask DisposeAsync() => await TestStores.DeleteAsync(store);

    [Fact]
    public async Task Commands_decisions_and_audit_lines_are_stored_as_save_changes_stores_them_and_found_again()
    {
        var eventId = Guid.NewGuid();
        var byEf = Command(eventId, segment: 1);
        var bulk = Command(eventId, segment: 2);
        var reasons = new List<Reason> { new(ReasonCode.EvseGridRulesStale, "No good contact with the utility since 17:20; the last rules may no longer apply.") };
        var efDecision = new EventDecision { EventId = eventId, VehicleId = Guid.NewGuid(), EvseId = byEf.EvseId, Accepted = false, Reasons = reasons, DecidedAt = Now, RetryAt = Now.AddMinutes(1) };
        var bulkDecision = new EventDecision { EventId = eventId, VehicleId = Guid.NewGuid(), EvseId = byEf.EvseId, Accepted = false, Reasons = reasons, DecidedAt = Now, RetryAt = Now.AddMinutes(1) };
        await using (var db = TestStores.Portal(store))
        {
            db.AddRange(byEf, efDecision, AuditEntry.Of(byEf, Now, "refused", reasons));
            await db.SaveChangesAsync(Ct);
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            await db.InsertAllAsync([bulk], Ct);
            await db.InsertAllAsync([bulkDecision], Ct);
            await db.InsertAllAsync([AuditEntry.Of(bulk, Now, "refused", reasons), AuditEntry.Of(bulk, Now.AddSeconds(1), "sent", [])], Ct);
            await transaction.CommitAsync(Ct);
        }

        // Row by row, column by column: the same values in the same storage classes, keys and the segment aside.
        var commands = await RowsAsync("DischargeCommands", "Segment");
        Assert.Equal(2, commands.Count);
        AssertSameExcept(commands[0], commands[1], "Id", "Segment");
        var decisions = await RowsAsync("EventDecisions", "VehicleId");
        AssertSameExcept(decisions[0], decisions[1], "VehicleId");
        var audit = await RowsAsync("AuditEntries", "Id");
        Assert.Equal(3, audit.Count);
        AssertSameExcept(audit[0], audit[1], "Id", "CommandId");
        Assert.Equal([1L, 2L, 3L], audit.Select(a => (long)a["Id"]!)); // numbered by the store

        await using var read = TestStores.Portal(store);
        var found = await read.DischargeCommands.SingleAsync(c => c.Id == bulk.Id, Ct);
        Assert.Equal((bulk.EventId, bulk.Kw, bulk.Until, bulk.FailSafeDeadline, bulk.State, bulk.Executor, 2), (found.EventId, found.Kw, found.Until, found.FailSafeDeadline, found.State, found.Executor, found.Segment));
        var decision = await read.EventDecisions.SingleAsync(d => d.EventId == eventId && d.VehicleId == bulkDecision.VehicleId, Ct);
        Assert.Equal(reasons, decision.Reasons);
        Assert.Equal(2, await read.AuditEntries.CountAsync(a => a.CommandId == bulk.Id && a.At >= Now, Ct));
    }

    [Fact]
    public async Task A_row_that_breaks_a_unique_key_fails_the_insert_and_the_transaction_keeps_nothing()
    {
        var eventId = Guid.NewGuid();
        var first = Command(eventId, segment: 1);
        var clash = Command(eventId, segment: 1); // the same event, vehicle and segment
        await using (var db = TestStores.Portal(store))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => db.InsertAllAsync([first, clash], Ct));
        }

        await using var read = TestStores.Portal(store);
        Assert.Equal(0, await read.DischargeCommands.CountAsync(Ct));
    }

    private static DischargeCommand Command(Guid eventId, int segment, Guid? vehicleId = null) => DischargeCommand.Create(
        new CommandPlan(eventId, ProgramId, "Evening peak", vehicleId ?? VehicleId, Guid.Parse("0b7e3a52-55aa-4c1e-9d1f-3f7a2c9e8d10"), ProgramExecutor.Evse, null, 5.5, Now.AddMinutes(30), segment, false),
        Now,
        TimeSpan.FromMinutes(2));

    private static void AssertSameExcept(Dictionary<string, object?> a, Dictionary<string, object?> b, params string[] except)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var column in a.Keys.Except(except))
        {
            Assert.True(Equals(a[column], b[column]) && a[column]?.GetType() == b[column]?.GetType(), $"{column}: '{a[column]}' ({a[column]?.GetType().Name}) written by SaveChanges, '{b[column]}' ({b[column]?.GetType().Name}) by the bulk insert.");
        }
    }

    private async Task<List<Dictionary<string, object?>>> RowsAsync(string table, string orderBy)
    {
        await using var db = TestStores.Portal(store);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY \"{orderBy}\"";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i)));
        }

        return rows;
    }
}
