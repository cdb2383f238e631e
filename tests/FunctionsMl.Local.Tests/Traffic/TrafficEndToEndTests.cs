using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FunctionsMl.Local.Tests.Support;
using FunctionsMl.Serving.Storage;
using static FunctionsMl.Local.Tests.Api.PredictApiTests;

namespace FunctionsMl.Local.Tests.Traffic;

/// <summary>
/// A/B traffic, stats and feedback through the real executable: iris version 1 in production, version 2 (another
/// trainer) on staging, a 50/50 split sticky by x-routing-key, served by two host processes on one store.
/// </summary>
public sealed class TrafficEndToEndTests
{
    private const string Row = """{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3}""";

    [Fact]
    public async Task ABTest_SplitsStickilyAcrossProcesses_ReportsStats_AndLearnsFromFeedback()
    {
        using var store = SeededStore.Create();
        await store.PromoteAsync("iris", await store.RegisterSampleAsync("iris"));
        await store.PromoteAsync("iris", await store.RegisterSampleAsync("iris", """{"type":"gbdt","trees":10,"leaves":4,"minRowsPerLeaf":5,"seed":7}"""), "staging");
        await using var first = await LocalHostProcess.StartAsync(store.Path, "--no-train", "--models", Path.Combine(store.Path, "no-definitions"));
        var client = first.Client;

        // Management calls need the key; the policy is validated and versioned by ETag.
        using (var anonymous = await client.PutAsJsonAsync("/api/models/iris/traffic", new { split = new[] { new { target = "production", weight = 100 } } }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var invalid = await client.SendAsync(WithKey(HttpMethod.Put, "/api/models/iris/traffic", new { split = new[] { new { target = "production", weight = 60 }, new { target = "staging", weight = 60 } } })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }

        using var put = await client.SendAsync(WithKey(HttpMethod.Put, "/api/models/iris/traffic", new
        {
            split = new[] { new { target = "production", weight = 50 }, new { target = "staging", weight = 50 } },
            reason = "A/B: linear vs gbdt",
        }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.NotNull(put.Headers.ETag);
        Assert.Equal("production 50 / staging 50", (await ReadJsonAsync(put)).GetProperty("effective").GetString());

        // 300 users: both versions serve about half, and each user always gets the same one.
        var assigned = new Dictionary<string, string>();
        var lastRequestId = string.Empty;
        for (var round = 0; round < 2; round++)
        {
            for (var user = 0; user < 150; user++)
            {
                var (version, id) = await PredictAsync(client, $"user-{user}");
                Assert.Equal(assigned.GetValueOrDefault($"user-{user}", version), version);
                assigned[$"user-{user}"] = version;
                lastRequestId = id;
            }
        }

        var onStaging = assigned.Values.Count(v => v == "2");
        Assert.InRange(onStaging, 45, 105);

        // Another process on the same store routes every user to the same version.
        await using (var second = await LocalHostProcess.StartAsync(store.Path, "--no-train", "--models", Path.Combine(store.Path, "no-definitions")))
        {
            foreach (var user in Enumerable.Range(0, 60))
            {
                Assert.Equal(assigned[$"user-{user}"], (await PredictAsync(second.Client, $"user-{user}")).Version);
            }
        }

        // Stats of the first process: 300 requests, split as they were answered.
        using var statsResponse = await client.SendAsync(WithKey(HttpMethod.Get, "/api/models/iris/stats"));
        var stats = await ReadJsonAsync(statsResponse);
        Assert.Equal(HttpStatusCode.OK, statsResponse.StatusCode);
        var versions = stats.GetProperty("versions").EnumerateArray().ToDictionary(v => v.GetProperty("version").GetString()!);
        Assert.Equal(2 * (150 - onStaging), versions["1"].GetProperty("requests").GetInt64());
        Assert.Equal(2 * onStaging, versions["2"].GetProperty("requests").GetInt64());
        Assert.True(versions["1"].GetProperty("latency").GetProperty("p95Ms").GetDouble() > 0);
        Assert.Equal(1.0, versions["1"].GetProperty("predictions").GetProperty("classShares").EnumerateObject().Sum(c => c.Value.GetDouble()), 6);
        Assert.Equal(4, versions["1"].GetProperty("drift").GetProperty("features").GetArrayLength());

        // Feedback joins the prediction, counts towards online accuracy and is written for retraining on shutdown.
        using var feedback = await client.PostAsJsonAsync("/api/models/iris/feedback", new { requestId = lastRequestId, label = "virginica" });
        var joined = await ReadJsonAsync(feedback);
        Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        Assert.Equal(1, joined.GetProperty("accepted").GetInt32());
        using var unknown = await client.PostAsJsonAsync("/api/models/iris/feedback", new { requestId = "no-such-request", label = "virginica" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var wrongType = await client.PostAsJsonAsync("/api/models/iris/feedback", new { requestId = lastRequestId, label = new[] { 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.True((await ReadJsonAsync(wrongType)).GetProperty("errors").TryGetProperty("label", out _));

        using var after = await client.SendAsync(WithKey(HttpMethod.Get, "/api/models/iris/stats"));
        var online = (await ReadJsonAsync(after)).GetProperty("versions").EnumerateArray()
            .Single(v => v.GetProperty("online").ValueKind == JsonValueKind.Object).GetProperty("online");
        Assert.Equal(1, online.GetProperty("count").GetInt64());

        Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
        var files = new FileSystemObjectStore(store.Path);
        var training = new List<string>();
        await foreach (var info in files.ListAsync("training/iris/feedback-"))
        {
            training.Add(info.Path);
        }

        Assert.True(training.Count == 1, $"Expected one feedback file, found {training.Count}. Host output:\n{first.Output}");
        var line = Encoding.UTF8.GetString((await files.ReadAsync(training[0]))!.Content.Span).Trim();
        Assert.Equal("""{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3,"species":"virginica"}""", line);
        var logged = new List<string>();
        await foreach (var info in files.ListAsync("logs/iris/predictions/"))
        {
            logged.Add(info.Path);
        }

        Assert.NotEmpty(logged);
    }

    private static async Task<(string Version, string RequestId)> PredictAsync(HttpClient client, string user)
    {
        using var request = Post("/api/models/iris/predict", Row);
        request.Headers.Add("x-routing-key", user);
        using var response = await client.SendAsync(request);
        var body = await ReadJsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var version = response.Headers.GetValues("x-model-version").Single();
        Assert.Equal(version, body.GetProperty("version").GetString());
        return (version, body.GetProperty("id").GetString()!);
    }

    private static HttpRequestMessage WithKey(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("x-functions-key", LocalHostProcess.ApiKey);
        return request;
    }
}
