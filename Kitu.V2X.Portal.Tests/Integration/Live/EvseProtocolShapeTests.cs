using System.Text.Json;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>The JSON an EVSE receives for the grid rules (protocol v2, docs/evse-protocol.md), pinned.</summary>
public sealed class EvseProtocolShapeTests
{
    [Fact]
    public void Grid_rules_carry_every_function_and_its_source_under_the_documented_names()
    {
        var end = new DateTimeOffset(2026, 6, 15, 18, 0, 0, TimeSpan.Zero);
        var rules = new GridRules
        {
            EvseId = Guid.Empty,
            Integration = GridIntegration.Integrated,
            ValidUntil = end,
            ExportLimitW = 5000,
            Functions = new Ieee1547Functions
            {
                MaxLimitPercent = 50,
                VoltWatt = new Curve("VW", 12, [new(106, 100), new(110, 0)], 1),
                FixedPowerFactorInject = new PowerFactorSetting(0.95, false),
                EnterService = new EnterServiceSetting(10, 60.1, 105, 59.5, 91.7, 5, 0),
            },
            Controls = [new GridControlInForce("A1", "Feeder", "Limit", end.AddHours(-1), end, "opModMaxLimW,opModVoltWatt")],
        };

        var json = JsonSerializer.Serialize(GridRulesMessage.From(rules), JsonSerializerOptions.Web);

        Assert.Contains("\"integrated\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"exportLimitKw\":5", json, StringComparison.Ordinal);
        Assert.Contains("\"functions\":{", json, StringComparison.Ordinal);
        Assert.Contains("\"maxLimitPercent\":50", json, StringComparison.Ordinal);
        Assert.Contains("\"voltWatt\":{\"mRid\":\"VW\",\"curveType\":12,\"points\":[{\"x\":106,\"y\":100", json, StringComparison.Ordinal);
        Assert.Contains("\"fixedPowerFactorInject\":{\"powerFactor\":0.95,\"absorbing\":false}", json, StringComparison.Ordinal);
        Assert.Contains("\"enterService\":{\"delaySeconds\":10", json, StringComparison.Ordinal);
        Assert.Contains("\"controls\":[{\"mRid\":\"A1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"functions\":[\"opModMaxLimW\",\"opModVoltWatt\"]", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<GridRulesMessage>(json, JsonSerializerOptions.Web)!;
        Assert.Equal(rules.Functions, back.Functions);
    }
}
