using System.Diagnostics;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

/// <summary>
/// 2030.5 documents from a hostile or broken server, made by mutating real ones (seeded, so a failure repeats): every
/// one is either read or refused with a named <see cref="SepFormatException"/> — never another exception, never a hang.
/// </summary>
public sealed class SepXmlFuzzTests
{
    private static readonly string[] Hostile =
    [
        "99999999999999999999999999", "-99999999999999999999", "NaN", "INF", "1e400", "0x10", "", " ", "\u0000", "\uFFFE", "&amp;", "<![CDATA[x]]>",
        "<x/>", "&#0;", "&#xD800;", new string('9', 10_000), "true", "-1", "2147483648", "4294967296", "18446744073709551616", "\u202Egnp.exe",
    ];

    public static TheoryData<string, int> Documents() => new()
    {
        { "dcap.xml", 1 }, { "edev.xml", 2 }, { "fsa.xml", 3 }, { "derp.xml", 4 }, { "derc.xml", 5 }, { "dderc.xml", 6 }, { "dc.xml", 7 }, { "tm.xml", 8 }, { "reg.xml", 9 },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Mutated_documents_are_read_or_refused_by_name_and_quickly(string fixture, int seed)
    {
        var original = Encoding.UTF8.GetString(Fixture.Bytes(fixture));
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var refused = 0;
        for (var i = 0; i < 300; i++)
        {
            var mutated = Mutate(original, random);
            try
            {
                Read(fixture, Encoding.UTF8.GetBytes(mutated));
            }
            catch (SepFormatException)
            {
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"{fixture}, case {i}: {ex.GetType().Name}: {ex.Message}\n{mutated[..Math.Min(mutated.Length, 2_000)]}");
            }
        }

        Assert.True(refused > 0, "no mutation was refused: the fuzzer is not reaching the parser");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"300 documents took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void Random_bytes_in_any_encoding_are_refused_by_name()
    {
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(0, 4_000)];
            random.NextBytes(bytes);
            if (i % 3 == 0)
            {
                // a declared encoding that does not match the bytes, or a byte-order mark of another one
                bytes = [.. Encoding.ASCII.GetBytes(i % 2 == 0 ? "<?xml version=\"1.0\" encoding=\"utf-16\"?>" : "\uFEFF"), .. bytes];
            }

            var ex = Record.Exception(() => SepXml.Read<DeviceCapability>(bytes));
            Assert.True(ex is null or SepFormatException, $"case {i}: {ex?.GetType().Name}: {ex?.Message}");
        }
    }

    private static void Read(string fixture, byte[] bytes)
    {
        switch (fixture)
        {
            case "dcap.xml": SepXml.Read<DeviceCapability>(bytes); break;
            case "edev.xml": SepXml.Read<EndDeviceList>(bytes); break;
            case "fsa.xml": SepXml.Read<FunctionSetAssignmentsList>(bytes); break;
            case "derp.xml": SepXml.Read<DerProgramList>(bytes); break;
            case "derc.xml": SepXml.Read<DerControlList>(bytes); break;
            case "dderc.xml": SepXml.Read<DefaultDerControl>(bytes); break;
            case "dc.xml": SepXml.Read<DerCurveList>(bytes); break;
            case "tm.xml": SepXml.Read<Time>(bytes); break;
            case "reg.xml": SepXml.Read<Registration>(bytes); break;
            default: throw new ArgumentOutOfRangeException(nameof(fixture));
        }
    }

    /// <summary>One to three mutations: a value replaced by a hostile one, a cut, a duplicated or deleted span, an element nested deep.</summary>
    private static string Mutate(string xml, Random random)
    {
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            switch (random.Next(6))
            {
                case 0:
                    var open = xml.IndexOf('>', random.Next(xml.Length));
                    var close = open < 0 ? -1 : xml.IndexOf('<', open);
                    if (open >= 0 && close > open)
                    {
                        xml = xml[..(open + 1)] + Hostile[random.Next(Hostile.Length)] + xml[close..];
                    }

                    break;
                case 1:
                    xml = xml[..random.Next(xml.Length)];
                    break;
                case 2:
                    var start = random.Next(xml.Length);
                    var length = random.Next(Math.Min(200, xml.Length - start) + 1);
                    xml = xml.Insert(random.Next(xml.Length), xml.Substring(start, length));
                    break;
                case 3:
                    var from = random.Next(xml.Length);
                    xml = xml.Remove(from, random.Next(Math.Min(50, xml.Length - from) + 1));
                    break;
                case 4:
                    var at = xml.IndexOf("</", StringComparison.Ordinal);
                    if (at > 0)
                    {
                        var depth = random.Next(1, 2_000);
                        xml = xml.Insert(at, string.Concat(Enumerable.Repeat("<a>", depth)) + string.Concat(Enumerable.Repeat("</a>", depth)));
                    }

                    break;
                default:
                    var i = random.Next(xml.Length);
                    xml = xml.Remove(i, 1).Insert(i, ((char)random.Next(0, 0xD7FF)).ToString());
                    break;
            }
        }

        return xml;
    }
}
