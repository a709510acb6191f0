using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

public sealed class SepXmlTests
{
    [Fact]
    public void Reads_device_capability_links_and_poll_rate()
    {
        var dcap = SepXml.Read<DeviceCapability>(Fixture.Open("dcap.xml"));

        Assert.Equal(300u, dcap.PollRate);
        Assert.Equal("/tm", dcap.TimeLink?.Href);
        Assert.Equal("/edev", dcap.EndDeviceListLink?.Href);
        Assert.Equal(2u, dcap.EndDeviceListLink?.All);
        Assert.Null(dcap.DerProgramListLink);
    }

    [Fact]
    public void Reads_time()
    {
        var time = SepXml.Read<Time>(Fixture.Open("tm.xml"));

        Assert.Equal(1781542800, time.CurrentTime);
        Assert.Equal(-28800, time.TzOffset);
        Assert.Equal(3600, time.DstOffset);
        Assert.Equal(4, time.Quality);
    }

    [Fact]
    public void Reads_end_devices_with_and_without_optional_fields()
    {
        var list = SepXml.Read<EndDeviceList>(Fixture.Open("edev.xml"));

        Assert.Equal(2, list.Items.Count);
        var first = list.Items[0];
        Assert.Equal("3E4F45AB31EDFE5B67E343E5E4562E31984E23E5", first.Lfdi);
        Assert.Equal(167261211391ul, first.Sfdi);
        Assert.Equal(Sep.EvseDeviceCategory, first.DeviceCategory);
        Assert.Equal("/edev/0/fsa", first.FunctionSetAssignmentsListLink?.Href);
        Assert.Equal(300u, first.PostRate);
        Assert.True(first.Enabled);
        Assert.Null(list.Items[1].FunctionSetAssignmentsListLink);
    }

    [Fact]
    public void Reads_registration_fsa_and_programs()
    {
        Assert.Equal(111115u, SepXml.Read<Registration>(Fixture.Open("reg.xml")).Pin);
        var fsa = SepXml.Read<FunctionSetAssignmentsList>(Fixture.Open("fsa.xml"));
        Assert.Equal(60u, fsa.PollRate);
        Assert.Equal("/fsa/0/derp", fsa.Items.Single().DerProgramListLink?.Href);
        var programs = SepXml.Read<DerProgramList>(Fixture.Open("derp.xml"));
        Assert.Equal([1, 2], programs.Items.Select(p => (int)p.Primacy));
        Assert.Equal("/derp/0/dderc", programs.Items[0].DefaultDerControlLink?.Href);
    }

    [Fact]
    public void Reads_controls_with_their_ieee_1547_settings()
    {
        var controls = SepXml.Read<DerControlList>(Fixture.Open("derc.xml")).Items;

        var limit = controls[0];
        Assert.Equal((ushort)5000, limit.Base.OpModMaxLimW);
        Assert.Equal(0.95, limit.Base.OpModFixedPfInjectW!.PowerFactor, 6);
        Assert.Equal("/derp/0/dc/0", limit.Base.OpModVoltVar?.Href);
        Assert.Equal((ushort)1000, limit.Base.RampTms);
        Assert.Equal(0x03, limit.ResponseBits);
        Assert.Equal("/rsps/0/rsp", limit.ReplyTo);
        Assert.Null(limit.Base.OpModEnergize);
        Assert.Equal(EventStatus.Cancelled, controls[1].EventStatus.CurrentStatus);
        Assert.Equal(false, controls[1].Base.OpModEnergize);
        Assert.Equal(50000, controls[2].Base.OpModTargetW!.Watts);
        Assert.Equal((ushort)50, controls[2].Base.OpModFreqDroop!.KOf);
        Assert.Equal((short)-120, controls[2].RandomizeStart);
    }

    [Fact]
    public void Reads_the_default_control_with_enter_service_settings()
    {
        var dflt = SepXml.Read<DefaultDerControl>(Fixture.Open("dderc.xml"));

        Assert.Equal(true, dflt.Base.OpModEnergize);
        Assert.Equal(30000u, dflt.SetEsDelay);
        Assert.Equal((ushort)6010, dflt.SetEsHighFreq);
        Assert.Equal((short)9170, dflt.SetEsLowVolt);
    }

    [Fact]
    public void Reads_curves()
    {
        var curve = SepXml.Read<DerCurveList>(Fixture.Open("dc.xml")).Items.Single();

        Assert.Equal(11, curve.CurveType);
        Assert.Equal(4, curve.CurveData.Count);
        Assert.Equal(-1, curve.XMultiplier);
    }

    [Fact]
    public void Ignores_unknown_and_vendor_elements()
    {
        var control = SepXml.Read<DerControl>(Fixture.Open("vendor-extension.xml"));

        Assert.Equal((ushort)2500, control.Base.OpModMaxLimW);
    }

    [Theory]
    [InlineData("malformed.xml", SepFormatError.Malformed)]
    [InlineData("wrong-namespace.xml", SepFormatError.WrongNamespace)]
    [InlineData("xxe.xml", SepFormatError.DtdProhibited)]
    [InlineData("billion-laughs.xml", SepFormatError.DtdProhibited)]
    [InlineData("out-of-range.xml", SepFormatError.OutOfRange)]
    public void Refuses_bad_documents_with_a_named_error(string file, SepFormatError expected)
    {
        var error = Assert.Throws<SepFormatException>(() => file == "out-of-range.xml"
            ? SepXml.Read<DerControl>(Fixture.Open(file))
            : (object)SepXml.Read<DerControlList>(Fixture.Open(file)));

        Assert.Equal(expected, error.Error);
    }

    [Fact]
    public void Refuses_a_document_over_one_megabyte()
    {
        var huge = new StringBuilder("<DERControlList xmlns=\"urn:ieee:std:2030.5:ns\" all=\"0\" results=\"0\"><!--");
        huge.Append('x', 1_100_000).Append("--></DERControlList>");

        var error = Assert.Throws<SepFormatException>(() => SepXml.Read<DerControlList>(new MemoryStream(Encoding.UTF8.GetBytes(huge.ToString()))));

        Assert.Equal(SepFormatError.TooLarge, error.Error);
    }

    [Fact]
    public void Refuses_a_different_resource_than_expected()
    {
        var error = Assert.Throws<SepFormatException>(() => SepXml.Read<DerProgramList>(Fixture.Open("derc.xml")));

        Assert.Equal(SepFormatError.Malformed, error.Error);
    }

    [Theory]
    [InlineData("<sFDI>abc</sFDI>")]
    [InlineData("<sFDI>99999999999999999999999</sFDI>")]
    public void Refuses_non_numbers_where_numbers_belong(string sfdi)
    {
        var doc = $"<EndDevice xmlns=\"urn:ieee:std:2030.5:ns\">{sfdi}<changedTime>0</changedTime></EndDevice>";

        Assert.Throws<SepFormatException>(() => SepXml.Read<EndDevice>(new MemoryStream(Encoding.UTF8.GetBytes(doc))));
    }

    [Fact]
    public void Writes_resources_in_schema_order_without_absent_elements()
    {
        var control = new DerControl
        {
            MRid = "C1000000000000000000000000000001",
            CreationTime = 5,
            Interval = new DateTimeInterval { Duration = 600, Start = 100 },
            Base = new DerControlBase { OpModMaxLimW = 5000, OpModEnergize = true },
        };

        var xml = SepXml.WriteString(control);

        Assert.DoesNotContain("nil", xml, StringComparison.Ordinal);
        Assert.Contains("<interval><duration>600</duration><start>100</start></interval>", xml, StringComparison.Ordinal);
        Assert.True(xml.IndexOf("<opModEnergize>", StringComparison.Ordinal) < xml.IndexOf("<opModMaxLimW>", StringComparison.Ordinal));
        Assert.Contains("xmlns=\"urn:ieee:std:2030.5:ns\"", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void What_it_writes_it_reads_back()
    {
        var original = SepXml.Read<DerControlList>(Fixture.Open("derc.xml"));

        var again = SepXml.Read<DerControlList>(SepXml.Write(original));

        Assert.Equal(SepXml.WriteString(original), SepXml.WriteString(again));
    }
}
