using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Demo;

/// <summary>The demo accounts, one per role (two site owners: a homeowner and a fleet manager).</summary>
public static class DemoAccounts
{
    public sealed record Account(string Email, string DisplayName, string Role, string Description);

    public static readonly Account Driver = new("driver@demo.kitu", "Dana Driver", PortalRoles.Driver, "a driver with a car at home");
    public static readonly Account Owner = new("owner@demo.kitu", "Omar Owner", PortalRoles.SiteOwner, "a homeowner with one charger");
    public static readonly Account Fleet = new("fleet@demo.kitu", "Fiona Fleet", PortalRoles.SiteOwner, "a fleet manager with a lot");
    public static readonly Account Operator = new("operator@demo.kitu", "Otto Operator", PortalRoles.ProgramOperator, "a utility's program operator");
    public static readonly Account CarMaker = new("oem@demo.kitu", "Olga OEM", PortalRoles.ProgramOperator, "a car maker's program operator (its program is run by the car)");
    public static readonly Account GridAdmin = new("gridadmin@demo.kitu", "Greta Grid", PortalRoles.GridAdmin, "keeps the approved 2030.5 servers");

    public static IReadOnlyList<Account> All { get; } = [Driver, Owner, Fleet, Operator, CarMaker, GridAdmin];
}
