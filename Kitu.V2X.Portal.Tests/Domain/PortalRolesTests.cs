using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Tests.Domain;

public sealed class PortalRolesTests
{
    [Fact]
    public void Only_driver_and_site_owner_are_self_service()
    {
        Assert.Equal([PortalRoles.Driver, PortalRoles.SiteOwner], PortalRoles.SelfService);
        Assert.DoesNotContain(PortalRoles.GridAdmin, PortalRoles.SelfService);
        Assert.DoesNotContain(PortalRoles.ProgramOperator, PortalRoles.SelfService);
    }

    [Fact]
    public void Every_role_has_a_readable_name()
    {
        Assert.All(PortalRoles.All, r => Assert.False(string.IsNullOrWhiteSpace(PortalRoles.DisplayName(r))));
        Assert.Equal("Grid administrator", PortalRoles.DisplayName(PortalRoles.GridAdmin));
    }
}
