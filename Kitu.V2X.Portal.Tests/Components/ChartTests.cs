using Bunit;
using Kitu.V2X.Portal.Components.Shared;

namespace Kitu.V2X.Portal.Tests.Components;

/// <summary>Charts readable on a phone: round ticks sized to the data, the unit named, a few labels, HTML text.</summary>
public sealed class ChartTests : ComponentTestBase
{
    [Theory]
    [InlineData(0, 0.07, new[] { 0, 0.02, 0.04, 0.06, 0.08 })]
    [InlineData(0, 13, new double[] { 0, 5, 10, 15 })]
    [InlineData(0, 10, new double[] { 0, 2.5, 5, 7.5, 10 })]
    [InlineData(0, 0, new double[] { 0, 0.25, 0.5, 0.75, 1 })]
    [InlineData(-3, 5, new double[] { -4, -2, 0, 2, 4, 6 })]
    public void Ticks_are_round_include_zero_and_fit_the_data(double min, double max, double[] expected)
    {
        Assert.Equal(expected, Chart.Ticks(min, max));
    }

    [Fact]
    public void A_small_value_gets_an_axis_of_its_size_with_its_unit_and_at_most_six_time_labels()
    {
        var labels = Enumerable.Range(0, 30).Select(i => $"18:{i:00}").ToArray();
        var cut = Render<Chart>(p => p
            .Add(x => x.Series, [new ChartLine("Achieved", [.. Enumerable.Range(0, 30).Select(i => i * 0.07 / 29)], "red")])
            .Add(x => x.Labels, labels)
            .Add(x => x.Unit, "kWh")
            .Add(x => x.Description, "test"));

        Assert.Equal("kWh", cut.Find("[data-testid='chart-unit']").TextContent);
        Assert.Equal(["0", "0.02", "0.04", "0.06", "0.08"], cut.FindAll("[data-testid='chart-tick']").Select(t => t.TextContent));
        var shown = cut.FindAll(".kitu-chart-x span").Select(s => s.TextContent).ToList();
        Assert.InRange(shown.Count, 2, 6);
        Assert.Equal("18:00", shown[0]);
        Assert.Equal("test", cut.Find("figure").GetAttribute("aria-label"));
        Assert.NotNull(cut.Find("polyline"));
    }

    [Fact]
    public void Bars_draw_one_rectangle_per_value()
    {
        var cut = Render<Chart>(p => p
            .Add(x => x.Series, [new ChartLine("kWh", [1, 0, 2.5], "blue")])
            .Add(x => x.Labels, ["Mon", "Tue", "Wed"])
            .Add(x => x.Unit, "kWh")
            .Add(x => x.Kind, ChartKind.Bar)
            .Add(x => x.Description, "bars"));

        Assert.Equal(3, cut.FindAll("rect").Count);
        Assert.Equal(["Mon", "Tue", "Wed"], cut.FindAll(".kitu-chart-x span").Select(s => s.TextContent));
    }
}
