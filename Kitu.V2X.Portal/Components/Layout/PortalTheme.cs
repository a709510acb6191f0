using MudBlazor;

namespace Kitu.V2X.Portal.Components.Layout;

/// <summary>One palette for light and dark; blue for the grid, green for giving energy back.</summary>
internal static class PortalTheme
{
    public static MudTheme Theme { get; } = new()
    {
        // Text and button colours meet WCAG AA contrast (4.5:1) on the light background (axe-core checks it in e2e).
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#2e7d32",
            Success = "#2e7d32",
            Error = "#c62828",
            Warning = "#8a5300",
            Info = "#0b63b0",
            TextSecondary = "rgba(0,0,0,0.68)",
            AppbarBackground = "#0d47a1",
            Background = "#f6f8fb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#64b5f6",
            Secondary = "#81c784",
            AppbarBackground = "#0b1d33",
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "248px" },
    };
}
