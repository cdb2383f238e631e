var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://localhost:7071");

var app = builder.Build();
app.MapGet("/v2/health/live", () => Results.Ok(new { live = true }));
app.Run();

/// <summary>The local host's entry point, visible to its end-to-end tests.</summary>
public partial class Program;
