using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Portal
{
    /// <inheritdoc />
    public partial class CommandSegments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_DischargeCommands_EventId_VehicleId",
                table: "DischargeCommands");

            migrationBuilder.AddColumn<bool>(
                name: "Final",
                table: "EventDecisions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "StoppedByDriverAt",
                table: "EventDecisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "DischargedKwh",
                table: "DischargeCommands",
                type: "REAL",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<bool>(
                name: "GridLimited",
                table: "DischargeCommands",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "MeasuredAt",
                table: "DischargeCommands",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RenewedAt",
                table: "DischargeCommands",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Segment",
                table: "DischargeCommands",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1); // commands from before segments are each their car's first

            migrationBuilder.CreateIndex(
                name: "IX_DischargeCommands_EventId_VehicleId_Segment",
                table: "DischargeCommands",
                columns: new[] { "EventId", "VehicleId", "Segment" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_DischargeCommands_EventId_VehicleId_Segment",
                table: "DischargeCommands");

            migrationBuilder.DropColumn(
                name: "Final",
                table: "EventDecisions");

            migrationBuilder.DropColumn(
                name: "StoppedByDriverAt",
                table: "EventDecisions");

            migrationBuilder.DropColumn(
                name: "DischargedKwh",
                table: "DischargeCommands");

            migrationBuilder.DropColumn(
                name: "GridLimited",
                table: "DischargeCommands");

            migrationBuilder.DropColumn(
                name: "MeasuredAt",
                table: "DischargeCommands");

            migrationBuilder.DropColumn(
                name: "RenewedAt",
                table: "DischargeCommands");

            migrationBuilder.DropColumn(
                name: "Segment",
                table: "DischargeCommands");

            migrationBuilder.CreateIndex(
                name: "IX_DischargeCommands_EventId_VehicleId",
                table: "DischargeCommands",
                columns: new[] { "EventId", "VehicleId" },
                unique: true);
        }
    }
}
