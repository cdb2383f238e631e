using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Retraining;
using FunctionsMl.Serving.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Tests.Retraining;

/// <summary>The retraining API on real Kestrel, on loopback.</summary>
public sealed class RetrainingEndpointsTests : IAsyncLifetime
{
    private const string Key = "test-key";

    private readonly InMemoryObjectStore _store = new();
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FunctionsMl:ApiKey"] = Key });
        builder.Services.AddSingleton<IObjectStore>(_store).AddFunctionsMl(builder.Configuration);
        _app = builder.Build();
        _app.MapRetrainingApi();
        await _app.StartAsync();
        string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address) };
        _http.DefaultRequestHeaders.Add(ManagementKeyFilter.HeaderName, Key);
        await new DefinitionPublisher(_store).PublishAsync(SampleModel.Directory("iris"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task PostRetrain_KnownModel_Returns202WithTheRunsLocationAndTheRunPromotes()
    {
        using HttpResponseMessage response = await _http.PostAsync("/api/models/iris/retrain", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        RetrainAccepted accepted = (await response.Content.ReadFromJsonAsync<RetrainAccepted>())!;
        Assert.Equal($"/api/models/iris/runs/{accepted.RunId}", response.Headers.Location!.OriginalString);
        Assert.Equal(response.Headers.Location.OriginalString, accepted.StatusUrl);
        Assert.Equal("running", accepted.Status);
        Assert.True(RetrainingRun.IsValidId(accepted.RunId));

        RetrainingRun run = await WaitForEndAsync(accepted.StatusUrl);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(RunTrigger.Manual, run.Trigger);
        Assert.True(run.Promoted);
        Assert.Equal("1", run.Version);
    }

    [Fact]
    public async Task GetRuns_AfterTwoRuns_ListsNewestFirst()
    {
        string first = await StartAndFinishAsync();
        string second = await StartAndFinishAsync();

        JsonElement runs = await _http.GetFromJsonAsync<JsonElement>("/api/models/iris/runs");
        JsonElement limited = await _http.GetFromJsonAsync<JsonElement>("/api/models/iris/runs?limit=1");

        Assert.Equal([second, first], runs.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal("keep", runs[0].GetProperty("decision").GetString());
        Assert.Equal("succeeded", runs[0].GetProperty("status").GetString());
        Assert.Equal([second], limited.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task PostRetrain_WhileARunIsInProgress_Returns409NamingIt()
    {
        var owner = new RunOwner("another-machine", 7, DateTimeOffset.UnixEpoch);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string runId = RetrainingRun.NewId(now);
        await new RunStore(_store).CreateAsync(new RetrainingRun { Id = runId, Model = "iris", Trigger = RunTrigger.Schedule, Status = RunStatus.Running, StartedAt = now, Owner = owner });
        await _store.WriteAsync(RunPaths.Lock("iris"), JsonSerializer.SerializeToUtf8Bytes(new RunLockInfo("iris", runId, owner, now, now.AddHours(1)), RetrainingJson.Options), WriteCondition.IfNoneMatch);

        using HttpResponseMessage response = await _http.PostAsync("/api/models/iris/retrain", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        JsonElement problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(runId, problem.GetProperty("runId").GetString());
        Assert.Equal($"/api/models/iris/runs/{runId}", problem.GetProperty("statusUrl").GetString());
        Assert.Contains($"already being retrained by run {runId}", problem.GetProperty("detail").GetString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task PostRetrain_UnknownModel_Returns404()
    {
        using HttpResponseMessage response = await _http.PostAsync("/api/models/nope/retrain", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no definition of model 'nope'", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/api/models/nope/runs")]
    [InlineData("/api/models/iris/runs/20300101-000000-000-abcdef")]
    [InlineData("/api/models/iris/runs/not-a-run-id")]
    public async Task Get_UnknownModelOrRun_Returns404(string url)
    {
        using HttpResponseMessage response = await _http.GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetRuns_KnownModelWithoutRuns_ReturnsEmptyList()
    {
        JsonElement runs = await _http.GetFromJsonAsync<JsonElement>("/api/models/iris/runs");

        Assert.Equal(0, runs.GetArrayLength());
    }

    [Fact]
    public async Task Post_InvalidName_Returns400NamingTheField()
    {
        using HttpResponseMessage response = await _http.PostAsync("/api/models/Iris_1/retrain", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Theory]
    [InlineData("POST", "/api/models/iris/retrain")]
    [InlineData("GET", "/api/models/iris/runs")]
    public async Task Call_WithoutKey_Returns401(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add(ManagementKeyFilter.HeaderName, "wrong");

        using HttpResponseMessage response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await new RunStore(_store).ListAsync("iris"));
    }

    private async Task<string> StartAndFinishAsync()
    {
        using HttpResponseMessage response = await _http.PostAsync("/api/models/iris/retrain", null);
        RetrainAccepted accepted = (await response.Content.ReadFromJsonAsync<RetrainAccepted>())!;
        await WaitForEndAsync(accepted.StatusUrl);
        return accepted.RunId;
    }

    private async Task<RetrainingRun> WaitForEndAsync(string url)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            RetrainingRun run = (await _http.GetFromJsonAsync<RetrainingRun>(url, RetrainingJson.Options))!;
            if (run.Status != RunStatus.Running || DateTime.UtcNow > deadline)
            {
                return run;
            }

            await Task.Delay(20);
        }
    }
}
