using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Grid
{
    /// <inheritdoc />
    public partial class GridRulesSnapshots : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "GridRulesSnapshots",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RulesJson = table.Column<string>(type: "TEXT", maxLength: 64000, nullable: false),
                    TakenAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RestorableUntil = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GridRulesSnapshots", x => x.EvseId);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "GridRulesSnapshots");
        }
    }
}
