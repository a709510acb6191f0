using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration;

public sealed class ErrorPageTests : IAsyncLifetime
{
    private const string SecretDetail = "connection-string-with-secret";
    private readonly ThrowingPortalFactory factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    [Fact]
    public async Task An_unhandled_error_shows_a_request_id_and_no_stack_trace_outside_development()
    {
        var response = await factory.CreateClient().GetAsync("/test-only/throw", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Something went wrong", body, StringComparison.Ordinal);
        Assert.Contains("id=\"request-id\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretDetail, body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
    }

    private sealed class ThrowingPortalFactory : PortalFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, ThrowAfterPipeline>());
        }
    }

    /// <summary>Appends, after the portal's own pipeline, a request that fails, so the portal's error handling is what answers.</summary>
    private sealed class ThrowAfterPipeline : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map("/test-only/throw", b => b.Run(_ => throw new InvalidOperationException(SecretDetail)));
        };
    }
}
