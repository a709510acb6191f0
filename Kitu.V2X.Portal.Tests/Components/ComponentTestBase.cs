using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Kitu.V2X.Portal.Tests.Components;

/// <summary>bUnit context with MudBlazor's services, loose JS interop and the server renderer the portal uses.</summary>
public abstract class ComponentTestBase : BunitContext
{
    protected ComponentTestBase()
    {
        Services.AddMudServices();
#pragma warning disable CA2214 // the hook only adds services; derived field initialisers have run already
        AddServices(Services);
#pragma warning restore CA2214
        JSInterop.Mode = JSRuntimeMode.Loose;
        Auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Services a test class's components need, added before any is resolved.</summary>
    protected virtual void AddServices(IServiceCollection services)
    {
    }

    /// <summary>Anonymous until a test says otherwise (<c>Auth.SetAuthorized(...)</c>).</summary>
    protected BunitAuthorizationContext Auth { get; }
}
