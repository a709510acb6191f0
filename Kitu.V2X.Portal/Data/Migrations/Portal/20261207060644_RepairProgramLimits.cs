using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Kitu.V2X.Portal.Data.Migrations.Portal
{
    /// <inheritdoc />
    public partial class RepairProgramLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Programs stored before their numbers, texts and lists were checked (the API once took "Infinity", a 3 MB
            // description, 200,000 utilities): brought within the limits DischargeProgram.Validate now enforces, so no
            // list of programs fails on one of them.
            migrationBuilder.Sql("""
                UPDATE "DischargePrograms" SET "MaxKwPerVehicle" = NULL
                    WHERE "MaxKwPerVehicle" IS NOT NULL AND ("MaxKwPerVehicle" > 1000 OR "MaxKwPerVehicle" <= 0 OR "MaxKwPerVehicle" <> "MaxKwPerVehicle");
                UPDATE "DischargePrograms" SET "Name" = substr("Name", 1, 100) WHERE length("Name") > 100;
                UPDATE "DischargePrograms" SET "Description" = substr("Description", 1, 2000) WHERE length("Description") > 2000;
                UPDATE "DischargePrograms" SET "NoticeMinutes" = 0 WHERE "NoticeMinutes" < 0;
                UPDATE "DischargePrograms" SET "NoticeMinutes" = 10080 WHERE "NoticeMinutes" > 10080;
                UPDATE "DischargePrograms" SET "EligibleUtilities" = '[]' WHERE NOT json_valid("EligibleUtilities");
                UPDATE "DischargePrograms" SET "EligibleUtilities" =
                    (SELECT json_group_array(substr(value, 1, 100)) FROM (SELECT value FROM json_each("DischargePrograms"."EligibleUtilities") LIMIT 50))
                    WHERE json_array_length("EligibleUtilities") > 50
                       OR EXISTS (SELECT 1 FROM json_each("DischargePrograms"."EligibleUtilities") WHERE length(value) > 100);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
