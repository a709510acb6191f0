using Bunit;
using Kitu.V2X.Portal.Components.Shared;

namespace Kitu.V2X.Portal.Tests.Components;

public sealed class QrCodeTests : ComponentTestBase
{
    [Fact]
    public void Draws_a_png_qr_code_with_its_alt_text()
    {
        var cut = Render<QrCode>(p => p.Add(x => x.Text, "https://portal.example/evse/1").Add(x => x.Alt, "Plug in at Bay 1"));

        var img = cut.Find("img");
        Assert.StartsWith("data:image/png;base64,iVBOR", img.GetAttribute("src"), StringComparison.Ordinal);
        Assert.Equal("Plug in at Bay 1", img.GetAttribute("alt"));
    }

    [Fact]
    public void Different_text_gives_a_different_code()
    {
        var a = Render<QrCode>(p => p.Add(x => x.Text, "https://portal.example/evse/1")).Find("img").GetAttribute("src");
        var b = Render<QrCode>(p => p.Add(x => x.Text, "https://portal.example/evse/2")).Find("img").GetAttribute("src");

        Assert.NotEqual(a, b);
    }
}
