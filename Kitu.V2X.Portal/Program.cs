using Kitu.V2X.Portal.Extensions;
using Kitu.V2X.Portal.Simulation;

if (args is ["simulate", ..])
{
    return await SimulateCommand.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddTrustedProxies();
builder.AddPortalData();
builder.AddPortalIdentity();
builder.AddPortalUi();
builder.AddPortalHealth();
builder.AddPortalTelemetry();
builder.AddPortalScaleOut();
builder.AddDemoMode();
builder.AddGridSecurity();
builder.AddPortalSites();
builder.AddEvseConnections();
builder.AddOcpp();
builder.AddOperatorApi();

var app = builder.Build();
app.UseTrustedProxies();
app.UseDrainingOnShutdown();
app.UsePortalTelemetry();
app.UseEvseLinks();
app.UseOcppLinks();
app.UseOperatorApiLogging();
app.UsePortalPipeline();
app.MapEvseHub();
app.MapOperatorApi();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host the portal.</summary>
public partial class Program;
