using MudBlazor;

namespace Kitu.V2X.Portal.Components.Layout;

/// <summary>One palette for light and dark; blue for the grid, green for giving energy back.</summary>
internal static class PortalTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#2e7d32",
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
