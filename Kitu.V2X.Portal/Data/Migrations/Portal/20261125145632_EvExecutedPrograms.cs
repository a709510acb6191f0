using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Portal
{
    /// <inheritdoc />
    public partial class EvExecutedPrograms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "VehicleMakes",
                table: "ProgramOperators",
                type: "TEXT",
                maxLength: 2000,
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<string>(
                name: "Executor",
                table: "DischargeCommands",
                type: "TEXT",
                maxLength: 8,
                nullable: false,
                defaultValue: "Evse");

            migrationBuilder.AddColumn<Guid>(
                name: "TelematicsOperatorId",
                table: "DischargeCommands",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "VehicleMakes",
                table: "ProgramOperators");

            migrationBuilder.DropColumn(
                name: "Executor",
                table: "DischargeCommands");

            migrationBuilder.DropColumn(
                name: "TelematicsOperatorId",
                table: "DischargeCommands");
        }
    }
}
