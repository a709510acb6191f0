using Bunit;
using Kitu.V2X.Portal.Components.Shared;

namespace Kitu.V2X.Portal.Tests.Components;

public sealed class EmptyStateTests : ComponentTestBase
{
    [Fact]
    public void Shows_its_action_only_when_given_one()
    {
        var without = Render<EmptyState>(p => p.Add(c => c.Title, "Nothing yet"));
        var with = Render<EmptyState>(p => p.Add(c => c.Title, "Nothing yet").Add(c => c.ActionHref, "/next").Add(c => c.ActionLabel, "Do it"));

        Assert.Empty(without.FindAll("a[href='/next']"));
        Assert.Equal("Do it", with.Find("a[href='/next']").TextContent.Trim());
    }
}
