namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>The four roles of the portal; every page and API call is scoped by them and by ownership.</summary>
public static class PortalRoles
{
    public const string Driver = "Driver";
    public const string SiteOwner = "SiteOwner";
    public const string ProgramOperator = "ProgramOperator";
    public const string GridAdmin = "GridAdmin";

    public static IReadOnlyList<string> All { get; } = [Driver, SiteOwner, ProgramOperator, GridAdmin];

    /// <summary>Roles a person may choose when registering; the others are granted by a GridAdmin.</summary>
    public static IReadOnlyList<string> SelfService { get; } = [Driver, SiteOwner];

    public static string DisplayName(string role) => role switch
    {
        Driver => "Driver",
        SiteOwner => "Site owner",
        ProgramOperator => "Program operator",
        GridAdmin => "Grid administrator",
        _ => role,
    };
}
