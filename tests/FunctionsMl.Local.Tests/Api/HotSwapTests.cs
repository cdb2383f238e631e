using System.Collections.Concurrent;
using System.Net;
using FunctionsMl.Local.Tests.Support;
using static FunctionsMl.Local.Tests.Api.ManagementApiTests;
using static FunctionsMl.Local.Tests.Api.PredictApiTests;

namespace FunctionsMl.Local.Tests.Api;

/// <summary>Aliases flip while requests stream in: nothing may fail, and every answer comes from a whole model.</summary>
public sealed class HotSwapTests
{
    private const string Row = """{"sepal_length":5.9,"sepal_width":2.8,"petal_length":4.3,"petal_width":1.3}""";

    [Fact]
    public async Task Predict_WhileProductionFlips_NeverFailsAndFollowsThePromotion()
    {
        using var store = SeededStore.Create();
        var first = await store.RegisterSampleAsync("iris");
        var second = await store.RegisterSampleAsync("iris", """{"type":"gbdt","trees":10,"leaves":4,"minRowsPerLeaf":5,"seed":7}""");
        await store.PromoteAsync("iris", first);
        await using var host = await LocalHostProcess.StartAsync(store.Path, "--no-train", "--models", Path.Combine(store.Path, "none"));
        var failures = new ConcurrentQueue<string>();
        var versionsSeen = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();

        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await host.Client.SendAsync(Post("/api/models/iris/predict", Row));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                var body = await ReadJsonAsync(response);
                versionsSeen.AddOrUpdate(body.GetProperty("version").GetString()!, 1, (_, n) => n + 1);
            }
        })).ToArray();

        for (var flip = 0; flip < 6; flip++)
        {
            await Task.Delay(300);
            using var response = await host.Client.SendAsync(WithKey(HttpMethod.Put, "/api/models/iris/aliases/production", new { version = flip % 2 == 0 ? second : first }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Finish on the second version and check new requests follow it.
        using (var promote = await host.Client.SendAsync(WithKey(HttpMethod.Put, "/api/models/iris/aliases/production", new { version = second })))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        }

        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(versionsSeen.ContainsKey(first) && versionsSeen.ContainsKey(second), $"versions seen: {string.Join(", ", versionsSeen)}");
        using var after = await host.Client.SendAsync(Post("/api/models/iris/predict", Row));
        Assert.Equal(second, (await ReadJsonAsync(after)).GetProperty("version").GetString());
    }

    [Fact]
    public async Task Serve_OnCtrlC_StopsCleanly()
    {
        using var store = SeededStore.Create();
        var host = await LocalHostProcess.StartAsync(store.Path, "--no-train", "--models", Path.Combine(store.Path, "none"));
        await using (host)
        {
            var exitCode = await host.StopAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(0, exitCode);
        }
    }
}
