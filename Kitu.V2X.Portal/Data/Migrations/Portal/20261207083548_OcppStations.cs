using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Portal
{
    /// <inheritdoc />
    public partial class OcppStations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "OcppStationId",
                table: "Evses",
                type: "TEXT",
                maxLength: 48,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Evses_OcppStationId",
                table: "Evses",
                column: "OcppStationId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Evses_OcppStationId",
                table: "Evses");

            migrationBuilder.DropColumn(
                name: "OcppStationId",
                table: "Evses");
        }
    }
}
