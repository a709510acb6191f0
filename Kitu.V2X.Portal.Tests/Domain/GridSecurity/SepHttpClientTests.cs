using System.Net;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

public sealed class SepHttpClientTests
{
    private static readonly Uri Dcap = new("https://server.example/dcap");

    [Fact]
    public async Task A_long_list_is_read_page_by_page_with_start_and_limit()
    {
        var requests = new List<string>();
        var client = Client(request =>
        {
            requests.Add(request.RequestUri!.PathAndQuery);
            var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
            var start = int.Parse(query["s"]!, System.Globalization.CultureInfo.InvariantCulture);
            var limit = int.Parse(query["l"]!, System.Globalization.CultureInfo.InvariantCulture);
            var items = Enumerable.Range(start, Math.Max(0, Math.Min(limit, 7 - start))).Select(i => new DerControl { MRid = $"C{i}" }).ToList();
            return Xml(new DerControlList { All = 7, Results = (uint)items.Count, Items = items });
        });

        var all = await client.GetAllAsync<DerControlList, DerControl>("/derp/0/derc", l => l.Items, pageSize: 3, maxItems: 100, TestContext.Current.CancellationToken);

        Assert.Equal(["C0", "C1", "C2", "C3", "C4", "C5", "C6"], all.Select(c => c.MRid));
        Assert.Equal(["/derp/0/derc?s=0&l=3", "/derp/0/derc?s=3&l=3", "/derp/0/derc?s=6&l=3"], requests);
    }

    [Fact]
    public async Task A_server_cannot_make_the_client_read_forever()
    {
        var client = Client(_ => Xml(new DerControlList { All = 1_000_000, Results = 1, Items = [new DerControl { MRid = "AA" }] }));

        var all = await client.GetAllAsync<DerControlList, DerControl>("/derp/0/derc", l => l.Items, pageSize: 1, maxItems: 5, TestContext.Current.CancellationToken);

        Assert.Equal(5, all.Count);
    }

    [Fact]
    public void Links_to_another_host_are_not_followed()
    {
        var client = Client(_ => new HttpResponseMessage(HttpStatusCode.OK));

        var ex = Assert.Throws<SepClientException>(() => client.Resolve("https://elsewhere.example/edev"));

        Assert.Equal(SepClientError.Protocol, ex.Error);
    }

    [Fact]
    public async Task A_document_that_is_not_sep_xml_is_named_as_such()
    {
        var client = Client(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html/>", Encoding.UTF8, "text/html") });

        var ex = await Assert.ThrowsAsync<SepClientException>(() => client.GetAsync<DeviceCapability>("/dcap", TestContext.Current.CancellationToken));

        Assert.Equal(SepClientError.Malformed, ex.Error);
        Assert.Contains("text/html", ex.Message, StringComparison.Ordinal);
    }

    private static SepHttpClient Client(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new Answering(answer)), Dcap);

    private static HttpResponseMessage Xml<T>(T resource)
        where T : class
    {
        var content = new ByteArrayContent(SepXml.Write(resource));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(Sep.MediaType);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
