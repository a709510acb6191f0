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
        JSInterop.Mode = JSRuntimeMode.Loose;
        Auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Anonymous until a test says otherwise (<c>Auth.SetAuthorized(...)</c>).</summary>
    protected BunitAuthorizationContext Auth { get; }
}
