namespace Kitu.V2X.Portal.Components.Shared;

/// <summary>One series of a <see cref="Chart"/>: its name in the legend, its values and its colour (a dashed line for a target).</summary>
public sealed record ChartLine(string Name, IReadOnlyList<double> Values, string Color, bool Dashed = false);

public enum ChartKind
{
    Line,
    Bar,
}
