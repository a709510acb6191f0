using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace Kitu.V2X.Portal.Components.Pages.Sites;

/// <summary>
/// One charger's 2030.5 identity for its owner: what it is (LFDI, SFDI, issuer), and the three ways to give it one the
/// utility trusts — import the maker's certificate and key, request a certificate from the utility's CA, or keep the
/// portal's — plus a test against an approved server, and "forget". Keys are never shown.
/// </summary>
public sealed partial class ChargerIdentity
{
    private readonly List<Message> messages = [];
    private IdentityView? view;
    private bool pemImport;
    private byte[]? pkcs12;
    private string? pkcs12Name;
    private string? certificatePem;
    private string? keyPem;
    private string? password;
    private string? request;
    private string? signedPem;
    private Guid? testServer;
    private string? testResult;
    private bool busy;
    private bool confirmForget;

    [Parameter, EditorRequired] public Guid EvseId { get; set; }

    [Parameter, EditorRequired] public string Name { get; set; } = "";

    [Parameter, EditorRequired] public string OwnerId { get; set; } = "";

    [Parameter] public IReadOnlyList<ServerChoice> Servers { get; set; } = [];

    [Parameter] public EventCallback OnClose { get; set; }

    /// <summary>The identity changed (a bound charger's grid status follows).</summary>
    [Parameter] public EventCallback OnChanged { get; set; }

    [Inject] private ChargerGridSwitch Switch { get; set; } = default!;

    [Inject] private DeviceIdentities Identities { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        testServer ??= Servers.Count == 1 ? Servers[0].Id : null;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        view = await Switch.IdentityAsync(OwnerId, EvseId, CancellationToken.None);
        request = view is { RequestOpen: true } ? await Identities.RequestPemAsync(EvseId, CancellationToken.None) : null;
    }

    private async Task OnPkcs12Chosen(InputFileChangeEventArgs e)
    {
        messages.Clear();
        pkcs12 = null;
        pkcs12Name = null;
        if (e.File.Size > DeviceCertificates.MaxFileBytes)
        {
            messages.Add(new Message(Severity.Error, $"Choose a PKCS#12 file of at most {DeviceCertificates.MaxFileBytes / 1024} KiB."));
            return;
        }

        using var buffer = new MemoryStream();
        await using var stream = e.File.OpenReadStream(DeviceCertificates.MaxFileBytes);
        await stream.CopyToAsync(buffer);
        pkcs12 = buffer.ToArray();
        pkcs12Name = e.File.Name;
    }

    private async Task ImportAsync()
    {
        if (!pemImport && pkcs12 is null)
        {
            Say(Severity.Error, "Choose the certificate file first.");
            return;
        }

        await RunAsync(
            () => pemImport
                ? Switch.ImportPemAsync(OwnerId, EvseId, certificatePem ?? "", keyPem ?? "", password, CancellationToken.None)
                : Switch.ImportPkcs12Async(OwnerId, EvseId, pkcs12!, password, CancellationToken.None),
            "Imported: the charger now uses the maker's certificate.");
        if (messages.All(m => m.Severity != Severity.Error))
        {
            // Nothing secret stays in the page once it is stored.
            pkcs12 = null;
            pkcs12Name = null;
            keyPem = null;
            certificatePem = null;
            password = null;
        }
    }

    private async Task CreateRequestAsync()
    {
        busy = true;
        messages.Clear();
        try
        {
            request = await Switch.CreateRequestAsync(OwnerId, EvseId, CancellationToken.None);
            if (request is null)
            {
                Say(Severity.Error, ChargerGridSwitch.NotYours);
            }
            else
            {
                Say(Severity.Info, "Request created: download it (or copy it) and send it to your utility or the charger's maker.");
            }
        }
        finally
        {
            busy = false;
        }
    }

    private async Task AcceptSignedAsync() =>
        await RunAsync(() => Switch.AcceptSignedAsync(OwnerId, EvseId, signedPem ?? "", CancellationToken.None), "Done: the charger now uses the certificate your utility signed.");

    private async Task ForgetAsync()
    {
        await RunAsync(() => Switch.ForgetIdentityAsync(OwnerId, EvseId, CancellationToken.None), "Forgotten: binding makes a new identity from the portal's device CA, unless you import or request one.");
        confirmForget = false;
    }

    private async Task TestAsync()
    {
        if (testServer is not { } server)
        {
            return;
        }

        busy = true;
        testResult = null;
        try
        {
            testResult = await Switch.ProbeAsync(OwnerId, EvseId, server, CancellationToken.None);
        }
        finally
        {
            busy = false;
        }
    }

    private async Task RunAsync(Func<Task<string?>> change, string done)
    {
        busy = true;
        messages.Clear();
        try
        {
            if (await change() is { } error)
            {
                Say(Severity.Error, error);
                return;
            }

            Say(Severity.Success, done);
            signedPem = null;
            await LoadAsync();
            await OnChanged.InvokeAsync();
        }
        finally
        {
            busy = false;
        }
    }

    private void Say(Severity severity, string text) => messages.Add(new Message(severity, text));

    private sealed record Message(Severity Severity, string Text);
}
