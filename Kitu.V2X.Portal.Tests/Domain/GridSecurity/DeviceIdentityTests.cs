using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

public sealed class DeviceIdentityTests
{
    [Fact]
    public void Computes_the_worked_example_of_the_standard_rules()
    {
        var id = DeviceIdentity.FromCertificate(Encoding.ASCII.GetBytes("EVSE-2030.5-worked-example"));

        Assert.Equal("1F27BDB1707CA0FEB1A8AF87EC2FE038EAD3C231", id.Lfdi);
        Assert.Equal(83631705836ul, id.Sfdi);
    }

    [Fact]
    public void Computes_lfdi_and_sfdi_of_a_fixed_certificate()
    {
        // Expected values computed outside .NET: openssl x509 -outform der | sha256sum, then the SFDI rule.
        var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Fixture.Path("device-cert.pem")));

        var id = DeviceIdentity.FromCertificate(certificate.RawData);

        Assert.Equal("556C2FAFB855E262127B3F2A8C7B759DF4434A35", id.Lfdi);
        Assert.Equal(229304552918ul, id.Sfdi);
        Assert.Equal("2293-0455-2918", id.SfdiDisplay);
    }

    [Theory]
    [InlineData(111115u, true)]
    [InlineData(123455u, true)]
    [InlineData(123456u, false)]
    [InlineData(1000000u, false)]
    public void Checks_the_registration_pin_check_digit(uint pin, bool valid)
    {
        Assert.Equal(valid, DeviceIdentity.IsValidPin(pin));
    }

    [Fact]
    public void Compares_lfdis_case_insensitively()
    {
        Assert.True(DeviceIdentity.SameLfdi("1f27bdb1707ca0feb1a8af87ec2fe038ead3c231", "1F27BDB1707CA0FEB1A8AF87EC2FE038EAD3C231"));
    }
}
