using Bunit;
using Kitu.V2X.Portal.Components.Shared;

namespace Kitu.V2X.Portal.Tests.Components;

public sealed class FieldErrorTests : ComponentTestBase
{
    [Fact]
    public void Shows_the_message_of_its_field_as_an_alert()
    {
        var cut = Render<FieldError>(p => p
            .Add(x => x.Errors, new Dictionary<string, string> { ["floor"] = "Choose a floor between 10 % and 90 %." })
            .Add(x => x.Key, "floor"));

        Assert.Equal("Choose a floor between 10 % and 90 %.", cut.Find("[role='alert']").TextContent.Trim());
    }

    [Fact]
    public void Renders_nothing_when_its_field_is_fine()
    {
        var cut = Render<FieldError>(p => p
            .Add(x => x.Errors, new Dictionary<string, string> { ["window.0"] = "Give each allowed window a start and an end." })
            .Add(x => x.Key, "floor"));

        Assert.Empty(cut.FindAll("[role='alert']"));
    }
}
