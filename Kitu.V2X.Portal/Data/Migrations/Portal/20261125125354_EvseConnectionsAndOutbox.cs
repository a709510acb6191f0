using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Portal
{
    /// <inheritdoc />
    public partial class EvseConnectionsAndOutbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "OperatorId",
                table: "AspNetUsers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "AuditEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: true),
                    VehicleId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ProgramId = table.Column<Guid>(type: "TEXT", nullable: true),
                    EventId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CommandId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Reasons = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DischargeCommands",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EventId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProgramId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProgramName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    VehicleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kw = table.Column<double>(type: "REAL", nullable: false),
                    Until = table.Column<long>(type: "INTEGER", nullable: false),
                    FailSafeDeadline = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ReasonCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ReasonText = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AckedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    MeasuredKw = table.Column<double>(type: "REAL", nullable: true),
                    OffTargetSince = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DischargeCommands", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "EventDecisions",
                columns: table => new
                {
                    EventId = table.Column<Guid>(type: "TEXT", nullable: false),
                    VehicleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Accepted = table.Column<bool>(type: "INTEGER", nullable: false),
                    Reasons = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    DecidedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RetryAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EventDecisions", x => new { x.EventId, x.VehicleId });
                });

            migrationBuilder.CreateTable(
                name: "EvseCredentials",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SecretHash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    IssuedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EvseCredentials", x => x.EvseId);
                    table.ForeignKey(
                        name: "FK_EvseCredentials_Evses_EvseId",
                        column: x => x.EvseId,
                        principalTable: "Evses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_At",
                table: "AuditEntries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_EventId",
                table: "AuditEntries",
                column: "EventId");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_EvseId",
                table: "AuditEntries",
                column: "EvseId");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_VehicleId",
                table: "AuditEntries",
                column: "VehicleId");

            migrationBuilder.CreateIndex(
                name: "IX_DischargeCommands_EventId_VehicleId",
                table: "DischargeCommands",
                columns: new[] { "EventId", "VehicleId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DischargeCommands_EvseId",
                table: "DischargeCommands",
                column: "EvseId");

            migrationBuilder.CreateIndex(
                name: "IX_DischargeCommands_State",
                table: "DischargeCommands",
                column: "State");

            migrationBuilder.CreateIndex(
                name: "IX_EventDecisions_VehicleId",
                table: "EventDecisions",
                column: "VehicleId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditEntries");

            migrationBuilder.DropTable(
                name: "DischargeCommands");

            migrationBuilder.DropTable(
                name: "EventDecisions");

            migrationBuilder.DropTable(
                name: "EvseCredentials");

            migrationBuilder.DropColumn(
                name: "OperatorId",
                table: "AspNetUsers");
        }
    }
}
