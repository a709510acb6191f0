using Kitu.V2X.Portal.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddPortalData();
builder.AddPortalIdentity();
builder.AddPortalUi();
builder.AddPortalHealth();
builder.AddDemoMode();
builder.AddGridSecurity();
builder.AddPortalSites();

var app = builder.Build();
app.UsePortalPipeline();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the portal.</summary>
public partial class Program;
