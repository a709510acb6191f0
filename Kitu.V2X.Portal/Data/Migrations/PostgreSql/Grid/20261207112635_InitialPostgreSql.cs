using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.PostgreSql.Grid
{
    /// <inheritdoc />
    public partial class InitialPostgreSql : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ApprovedServers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    UtilityName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    DeviceCapabilityUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    TrustAnchorPem = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    RequiresRegistrationPin = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    RegistrationPinHint = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    LastCheckedAt = table.Column<long>(type: "bigint", nullable: true),
                    LastCheckResult = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApprovedServers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DeviceCredentials",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Lfdi = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Sfdi = table.Column<decimal>(type: "numeric(20,0)", nullable: false),
                    ProtectedCertificate = table.Column<byte[]>(type: "bytea", maxLength: 16384, nullable: true),
                    ChainPem = table.Column<string>(type: "character varying(16384)", maxLength: 16384, nullable: true),
                    Subject = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    Issuer = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    NotAfter = table.Column<long>(type: "bigint", nullable: true),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false),
                    ProtectedRequestKey = table.Column<byte[]>(type: "bytea", maxLength: 4096, nullable: true),
                    RequestPem = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    RequestedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceCredentials", x => x.EvseId);
                });

            migrationBuilder.CreateTable(
                name: "GridRulesSnapshots",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "uuid", nullable: false),
                    RulesJson = table.Column<string>(type: "character varying(64000)", maxLength: 64000, nullable: false),
                    TakenAt = table.Column<long>(type: "bigint", nullable: false),
                    RestorableUntil = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GridRulesSnapshots", x => x.EvseId);
                });

            migrationBuilder.CreateTable(
                name: "PostedResponses",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    EvseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Subject = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Status = table.Column<byte>(type: "smallint", nullable: false),
                    PostedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PostedResponses", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "GridBindings",
                columns: table => new
                {
                    EvseId = table.Column<Guid>(type: "uuid", nullable: false),
                    ServerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Lfdi = table.Column<string>(type: "character(40)", fixedLength: true, maxLength: 40, nullable: false),
                    Sfdi = table.Column<decimal>(type: "numeric(20,0)", nullable: false),
                    ClientLocation = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    RegistrationPin = table.Column<long>(type: "bigint", nullable: true),
                    RatedChargeW = table.Column<double>(type: "double precision", nullable: false),
                    RatedDischargeW = table.Column<double>(type: "double precision", nullable: false),
                    ModesSupported = table.Column<long>(type: "bigint", nullable: false),
                    NominalVoltageV = table.Column<double>(type: "double precision", nullable: true),
                    GradientPercentPerSecond = table.Column<double>(type: "double precision", nullable: false),
                    BoundAt = table.Column<long>(type: "bigint", nullable: false),
                    LastIntegration = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    LastDetail = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    LastContact = table.Column<long>(type: "bigint", nullable: true)
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
                name: "IX_ApprovedServers_Name",
                table: "ApprovedServers",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DeviceCredentials_Lfdi",
                table: "DeviceCredentials",
                column: "Lfdi");

            migrationBuilder.CreateIndex(
                name: "IX_GridBindings_Lfdi",
                table: "GridBindings",
                column: "Lfdi",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_GridBindings_ServerId",
                table: "GridBindings",
                column: "ServerId");

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
                name: "DeviceCredentials");

            migrationBuilder.DropTable(
                name: "GridBindings");

            migrationBuilder.DropTable(
                name: "GridRulesSnapshots");

            migrationBuilder.DropTable(
                name: "PostedResponses");

            migrationBuilder.DropTable(
                name: "ApprovedServers");
        }
    }
}
