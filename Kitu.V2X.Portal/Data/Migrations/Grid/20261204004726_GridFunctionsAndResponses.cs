using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Grid
{
    /// <inheritdoc />
    public partial class GridFunctionsAndResponses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "GradientPercentPerSecond",
                table: "GridBindings",
                type: "REAL",
                nullable: false,
                defaultValue: 20.0); // existing bindings: 20 %/s, as for new ones

            migrationBuilder.AddColumn<long>(
                name: "ModesSupported",
                table: "GridBindings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1048591L); // existing bindings: DerControlModes.Basic (protocol v1 EVSEs)

            migrationBuilder.AddColumn<double>(
                name: "NominalVoltageV",
                table: "GridBindings",
                type: "REAL",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PostedResponses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Status = table.Column<byte>(type: "INTEGER", nullable: false),
                    PostedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostedResponses", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PostedResponses_EvseId_Subject_Status",
                table: "PostedResponses",
                columns: new[] { "EvseId", "Subject", "Status" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PostedResponses_PostedAt",
                table: "PostedResponses",
                column: "PostedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PostedResponses");

            migrationBuilder.DropColumn(
                name: "GradientPercentPerSecond",
                table: "GridBindings");

            migrationBuilder.DropColumn(
                name: "ModesSupported",
                table: "GridBindings");

            migrationBuilder.DropColumn(
                name: "NominalVoltageV",
                table: "GridBindings");
        }
    }
}
