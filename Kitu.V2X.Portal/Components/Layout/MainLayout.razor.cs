using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;
using MudBlazor;

namespace Kitu.V2X.Portal.Components.Layout;

public sealed partial class MainLayout : IDisposable
{
    private const string ThemeKey = "kitu.theme.dark";

    private MudThemeProvider? themeProvider;
    private bool isDarkMode;
    // Closed until the first render tells us the width: phone first, so a phone never sees the drawer flash open.
    private bool drawerOpen;
    private bool interactive;

    [Inject] private ProtectedLocalStorage LocalStorage { get; set; } = default!;

    [Inject] private IBrowserViewportService Viewport { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override void OnInitialized() => Navigation.LocationChanged += OnLocationChanged;

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;

    // On a phone the drawer covers the page: close it once the person has picked where to go.
    private async void OnLocationChanged(object? sender, Microsoft.AspNetCore.Components.Routing.LocationChangedEventArgs e)
    {
        try
        {
            await InvokeAsync(CloseDrawerOnPhone);
            await InvokeAsync(StateHasChanged);
        }
        catch (ObjectDisposedException)
        {
            // The circuit ended while navigating.
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        var stored = await TryReadThemeAsync();
        isDarkMode = stored ?? (themeProvider is not null && await themeProvider.GetSystemDarkModeAsync());
        drawerOpen = !await IsPhoneWidthAsync();

        // Marks the shell as live so browser tests (and impatient people) know clicks will be handled.
        interactive = true;
        StateHasChanged();
    }

    private void ToggleDrawer() => drawerOpen = !drawerOpen;

    private async Task CloseDrawerOnPhone()
    {
        if (await IsPhoneWidthAsync())
        {
            drawerOpen = false;
        }
    }

    // Below MudBlazor's md breakpoint (960 px) the drawer overlays the page instead of sitting beside it.
    private async Task<bool> IsPhoneWidthAsync() => (await Viewport.GetCurrentBrowserWindowSizeAsync()).Width < 960;

    private async Task ToggleThemeAsync()
    {
        isDarkMode = !isDarkMode;
        await LocalStorage.SetAsync(ThemeKey, isDarkMode);
    }

    private async Task<bool?> TryReadThemeAsync()
    {
        try
        {
            var result = await LocalStorage.GetAsync<bool>(ThemeKey);
            return result.Success ? result.Value : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A value written under old keys: fall back to the system preference.
            return null;
        }
    }
}
