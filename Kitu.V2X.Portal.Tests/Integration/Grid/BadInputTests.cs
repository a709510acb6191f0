using System.Net;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Tests.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// Every kind of bad answer becomes a named error on the EVSE's grid status, never a crash; the EVSE is not
/// grid-integrated until the next good read.
/// </summary>
public sealed class BadInputTests
{
    private const string ControlList = "/derp/0/derc";

    public static TheoryData<string, SepClientError> Faults => new()
    {
        { "malformed.xml", SepClientError.Malformed },
        { "wrong-namespace.xml", SepClientError.WrongNamespace },
        { "xxe.xml", SepClientError.DtdProhibited },
        { "billion-laughs.xml", SepClientError.DtdProhibited },
        { "out-of-range", SepClientError.OutOfRange },
        { "oversized", SepClientError.TooLarge },
        { "http-500", SepClientError.Http },
        { "http-404", SepClientError.Http },
        { "silence", SepClientError.Timeout },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_bad_answer_is_a_named_error_until_the_next_good_read(string fault, SepClientError expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = await new SandboxRig().StartAsync();
        FaultInjector? injector = null;
        var session = rig.Session(timeout: TimeSpan.FromSeconds(1), wrap: inner => injector = new FaultInjector(inner) { Path = ControlList, Fault = Make(fault) });

        var failed = await session.PollAsync(ct);

        Assert.Equal(expected, session.LastError);
        Assert.Equal(GridIntegration.Failed, failed.Integration);
        Assert.StartsWith(char.ToUpperInvariant(SepClientException.Label(expected)[0]) + SepClientException.Label(expected)[1..], failed.IntegrationDetail, StringComparison.Ordinal);
        Assert.False(failed.IsIntegratedAt(rig.Clock.GetUtcNow()));

        injector!.Fault = null;
        rig.Clock.Advance(TimeSpan.FromSeconds(30));
        var recovered = await session.PollAsync(ct);
        Assert.Equal(GridIntegration.Integrated, recovered.Integration);
        Assert.Null(session.LastError);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_is_named_before_any_rules_exist()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var port = rig.Dcap.Port;
        await rig.Server.StopAsync(TestContext.Current.CancellationToken);

        var session = rig.Session(dcap: new Uri($"https://localhost:{port}/dcap"));
        var rules = await session.PollAsync(TestContext.Current.CancellationToken);

        Assert.Equal(SepClientError.Unreachable, session.LastError);
        Assert.Equal(GridIntegration.Failed, rules.Integration);
    }

    private static Func<CancellationToken, Task<HttpResponseMessage>> Make(string fault) => fault switch
    {
        "out-of-range" => FaultInjector.Document(FaultInjector.Text(
            "<DERControlList xmlns=\"urn:ieee:std:2030.5:ns\" all=\"1\" results=\"1\">"
            + Encoding.UTF8.GetString(Fixture.Bytes("out-of-range.xml")).Replace(" xmlns=\"urn:ieee:std:2030.5:ns\"", "", StringComparison.Ordinal)
            + "</DERControlList>")),
        "oversized" => FaultInjector.Document(FaultInjector.Text(
            "<DERControlList xmlns=\"urn:ieee:std:2030.5:ns\" all=\"0\" results=\"0\"><!--" + new string('x', 1_100_000) + "--></DERControlList>")),
        "http-500" => FaultInjector.Status(HttpStatusCode.InternalServerError),
        "http-404" => FaultInjector.Status(HttpStatusCode.NotFound),
        "silence" => FaultInjector.Silence(),
        _ => FaultInjector.Document(Fixture.Bytes(fault)),
    };
}
