using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Grid
{
    /// <inheritdoc />
    public partial class DeviceIdentities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClientLocation",
                table: "GridBindings",
                type: "TEXT",
                maxLength: 10,
                nullable: false,
                defaultValue: "Portal");

            migrationBuilder.AddColumn<string>(
                name: "RegistrationPinHint",
                table: "ApprovedServers",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "RequiresRegistrationPin",
                table: "ApprovedServers",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.CreateTable(
                name: "DeviceCredentials",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Lfdi = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Sfdi = table.Column<ulong>(type: "INTEGER", nullable: false),
                    ProtectedCertificate = table.Column<byte[]>(type: "BLOB", maxLength: 16384, nullable: true),
                    ChainPem = table.Column<string>(type: "TEXT", maxLength: 16384, nullable: true),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    Issuer = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    NotAfter = table.Column<long>(type: "INTEGER", nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ProtectedRequestKey = table.Column<byte[]>(type: "BLOB", maxLength: 4096, nullable: true),
                    RequestPem = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    RequestedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceCredentials", x => x.EvseId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DeviceCredentials_Lfdi",
                table: "DeviceCredentials",
                column: "Lfdi");

            // Every bound EVSE so far had a certificate from the portal's device CA, kept with its binding: it becomes
            // the EVSE's identity, which now outlives an unbind.
            migrationBuilder.Sql("""
                INSERT INTO DeviceCredentials (EvseId, Kind, Lfdi, Sfdi, ProtectedCertificate, UpdatedAt)
                SELECT EvseId, 'PortalIssued', Lfdi, Sfdi, ProtectedCertificate, BoundAt FROM GridBindings;
                """);

            // SQLite drops an unindexed column in place (3.35+); EF's DropColumn would rebuild the table outside the
            // migration's transaction.
            migrationBuilder.Sql("ALTER TABLE \"GridBindings\" DROP COLUMN \"ProtectedCertificate\";");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DeviceCredentials");

            migrationBuilder.DropColumn(
                name: "ClientLocation",
                table: "GridBindings");

            migrationBuilder.DropColumn(
                name: "RegistrationPinHint",
                table: "ApprovedServers");

            migrationBuilder.DropColumn(
                name: "RequiresRegistrationPin",
                table: "ApprovedServers");

            migrationBuilder.AddColumn<byte[]>(
                name: "ProtectedCertificate",
                table: "GridBindings",
                type: "BLOB",
                maxLength: 8192,
                nullable: false,
                defaultValue: new byte[0]);
        }
    }
}
