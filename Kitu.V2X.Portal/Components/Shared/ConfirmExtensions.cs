using MudBlazor;

namespace Kitu.V2X.Portal.Components.Shared;

/// <summary>One way to ask before an action that cannot be taken back or that reaches many chargers.</summary>
public static class ConfirmExtensions
{
    /// <summary>True when the person confirmed; false on Cancel, Escape or closing the dialog.</summary>
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, string title, string message, string confirm, Color color = Color.Error)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { d => d.Title, title },
            { d => d.Message, message },
            { d => d.Confirm, confirm },
            { d => d.Color, color },
        };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, parameters, new DialogOptions { CloseOnEscapeKey = true, MaxWidth = MaxWidth.ExtraSmall, FullWidth = true });
        var result = await dialog.Result;
        return result is { Canceled: false };
    }
}
