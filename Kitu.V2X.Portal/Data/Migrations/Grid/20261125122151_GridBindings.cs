using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Grid
{
    /// <inheritdoc />
    public partial class GridBindings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "GridBindings",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ServerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Lfdi = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 40, nullable: false),
                    Sfdi = table.Column<ulong>(type: "INTEGER", nullable: false),
                    ProtectedCertificate = table.Column<byte[]>(type: "BLOB", maxLength: 8192, nullable: false),
                    RegistrationPin = table.Column<uint>(type: "INTEGER", nullable: true),
                    RatedChargeW = table.Column<double>(type: "REAL", nullable: false),
                    RatedDischargeW = table.Column<double>(type: "REAL", nullable: false),
                    BoundAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastIntegration = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    LastDetail = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    LastContact = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GridBindings", x => x.EvseId);
                    table.ForeignKey(
                        name: "FK_GridBindings_ApprovedServers_ServerId",
                        column: x => x.ServerId,
                        principalTable: "ApprovedServers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_GridBindings_Lfdi",
                table: "GridBindings",
                column: "Lfdi",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_GridBindings_ServerId",
                table: "GridBindings",
                column: "ServerId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "GridBindings");
        }
    }
}
