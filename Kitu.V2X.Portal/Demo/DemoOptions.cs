namespace Kitu.V2X.Portal.Demo;

/// <summary>Demo mode: seeded accounts and (later) sites, EVSEs, vehicles and programs. Section <c>Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>On in Development (appsettings.Development.json) and wherever <c>Demo:Enabled=true</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>The one password of every demo account; documented in the README, shown on the login page in demo mode.</summary>
    public string Password { get; set; } = "Demo!2030.5";
}
