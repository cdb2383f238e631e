// The cost of traffic policies, shadows and monitoring per prediction, against plain serving in the same run.
//
//   dotnet run -c Release --project bench/FunctionsMl.TrafficBench -- inproc [seconds-per-round] [rounds] [workers] [--breakdown]
//       The native predict handler with every service of AddFunctionsMl (real registry, predictor cache, models),
//       called in-process on <workers> threads, configurations interleaved round by round:
//         plain       monitoring off, no traffic policy (serving as before this feature)
//         monitored   monitoring on (stats, drift on every row, every prediction logged), no policy
//         ab          monitored + a 90/10 production/staging split
//         ab+shadow   ab + a third version shadowing 10% of the requests
//   dotnet run -c Release --project bench/FunctionsMl.TrafficBench -- seed <store-folder>
//       Trains iris three ways and registers them in a file-system store (production = 1, staging = 2, and 3),
//       for bench/traffic/run.sh, which measures the same over HTTP with the real host.
//   dotnet run -c Release --project bench/FunctionsMl.TrafficBench -- shadow
//       What scoring one shadow copy costs its worker (one thread), per shadow version.
//   dotnet run -c Release --project bench/FunctionsMl.TrafficBench -- load <name>=<url> ... [--seconds s] [--rounds r] [--connections c]
//       Posts iris rows to each URL in turn (interleaved rounds, one URL loaded at a time) and reports requests/s.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Traffic;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var mode = args.FirstOrDefault() ?? "inproc";
if (mode == "load")
{
    return await LoadAsync(args);
}

var models = TrainModels();
if (mode == "seed")
{
    var store = new FileSystemObjectStore(args.ElementAtOrDefault(1) ?? throw new ArgumentException("seed <store-folder>"));
    await SeedAsync(store, models);
    Console.WriteLine("seeded iris versions 1 (production), 2 (staging) and 3");
    return 0;
}

if (mode == "shadow")
{
    return await ShadowCostAsync(models);
}

var seconds = double.Parse(args.ElementAtOrDefault(1) ?? "3", CultureInfo.InvariantCulture);
var rounds = int.Parse(args.ElementAtOrDefault(2) ?? "3", CultureInfo.InvariantCulture);
var workers = int.Parse(args.ElementAtOrDefault(3) ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
var body = """{"sepal_length":5.9,"sepal_width":2.8,"petal_length":4.3,"petal_width":1.3}"""u8.ToArray();

var breakdown = args.Contains("--breakdown");
var configurations = new List<(string Name, Dictionary<string, string?> Settings, TrafficPolicy? Policy)>
{
    ("plain", new() { ["FunctionsMl:Monitoring:Enabled"] = "false" }, null),
    ("monitored", new(), null),
    ("ab", new(), new TrafficPolicy([new("production", 90), new("staging", 10)], [])),
    ("ab+shadow", new(), new TrafficPolicy([new("production", 90), new("staging", 10)], [new("3", 10)])),
};
if (breakdown)
{
    // What each part of monitoring costs: stats alone, then with drift, then with the prediction log at full rate.
    configurations.Add(("stats only", new() { ["FunctionsMl:Monitoring:DriftSampleRate"] = "0", ["FunctionsMl:Monitoring:PredictionLogSampleRate"] = "0" }, null));
    configurations.Add(("stats+drift uncapped", new() { ["FunctionsMl:Monitoring:PredictionLogSampleRate"] = "0", ["FunctionsMl:Monitoring:DriftMaxRowsPerBucket"] = "2000000000" }, null));
    configurations.Add(("log uncapped", new() { ["FunctionsMl:Monitoring:PredictionLogMaxPerSecond"] = "2000000000" }, null));
}

var hosts = new List<(string Name, ServiceProvider Services)>();
foreach (var (name, settings, policy) in configurations)
{
    var store = new InMemoryObjectStore();
    await SeedAsync(store, models);
    var services = new ServiceCollection();
    services.AddLogging();
    services.AddSingleton<IObjectStore>(store);
    services.AddFunctionsMl(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    var provider = services.BuildServiceProvider();
    foreach (var hosted in provider.GetServices<IHostedService>())
    {
        await hosted.StartAsync(CancellationToken.None);
    }

    if (policy is not null)
    {
        await provider.GetRequiredService<TrafficStore>().SetAsync("iris", policy, new TrafficChange("bench", "bench"));
    }

    hosts.Add((name, provider));
}

Console.WriteLine($"{workers} workers, {rounds} rounds of {seconds} s per configuration, interleaved; {Environment.ProcessorCount} cores; load average {LoadAverage()}");
foreach (var (_, services) in hosts)
{
    await RunAsync(services, TimeSpan.FromSeconds(1)); // JIT, tiered compilation, model loads.
}

// Throughput is what the target is about, but on a shared machine it moves with everyone else's load; the
// process's CPU time per request (shadow workers and GC included) is the steadier measure of the same cost.
var results = hosts.ToDictionary(h => h.Name, _ => new List<(double Rps, double CpuMicros)>());
var process = Process.GetCurrentProcess();
for (var round = 0; round < rounds; round++)
{
    foreach (var (name, services) in hosts)
    {
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var count = await RunAsync(services, TimeSpan.FromSeconds(seconds));
        process.Refresh();
        results[name].Add((count / seconds, (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / count));
    }
}

var plainRps = Median(results["plain"].Select(r => r.Rps));
var plainCpu = Median(results["plain"].Select(r => r.CpuMicros));
Console.WriteLine();
Console.WriteLine("| configuration | requests/s (median) | vs plain | per-round ratio (median) | CPU µs per request (median) | vs plain | per-round ratio (median) |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
var plainRounds = results["plain"];
foreach (var (name, measured) in results)
{
    var rps = Median(measured.Select(r => r.Rps));
    var cpu = Median(measured.Select(r => r.CpuMicros));
    var rpsRatio = Median(measured.Select((r, i) => r.Rps / plainRounds[i].Rps));
    var cpuRatio = Median(measured.Select((r, i) => r.CpuMicros / plainRounds[i].CpuMicros));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {rps:0} | {rps / plainRps - 1:+0.0%;-0.0%} | {rpsRatio - 1:+0.0%;-0.0%} | {cpu:0.00} | {cpu / plainCpu - 1:+0.0%;-0.0%} | {cpuRatio - 1:+0.0%;-0.0%} |"));
}

var shadowed = hosts.Single(h => h.Name == "ab+shadow").Services.GetRequiredService<ShadowDispatcher>();
Console.WriteLine();
Console.WriteLine($"ab+shadow: {shadowed.Processed} shadow copies scored, {shadowed.Dropped} dropped, {shadowed.Failed} failed; load average {LoadAverage()}");
foreach (var (_, services) in hosts)
{
    foreach (var hosted in services.GetServices<IHostedService>())
    {
        await hosted.StopAsync(CancellationToken.None);
    }

    await services.DisposeAsync();
}

return 0;

async Task<long> RunAsync(IServiceProvider services, TimeSpan duration)
{
    var handler = services.GetRequiredService<PredictionHandler>();
    using var stop = new CancellationTokenSource(duration);
    var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
    {
        long count = 0;
        while (!stop.IsCancellationRequested)
        {
            var context = new DefaultHttpContext { RequestServices = services };
            context.Request.Method = "POST";
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = body.Length;
            context.Request.Body = new MemoryStream(body, writable: false);
            context.Response.Body = Stream.Null;
            var result = await handler.PredictAsync(context.Request, "iris", null, CancellationToken.None);
            await result.ExecuteAsync(context);
            if (context.Response.StatusCode != StatusCodes.Status200OK)
            {
                throw new InvalidOperationException($"Prediction answered {context.Response.StatusCode}.");
            }

            count++;
        }

        return count;
    })));
    return counts.Sum();
}

// What one shadow copy costs the worker that scores it, on one thread: resolve, parse, score, compare, record.
static async Task<int> ShadowCostAsync(TrainedModel[] models)
{
    var store = new InMemoryObjectStore();
    await SeedAsync(store, models);
    var services = new ServiceCollection();
    services.AddLogging();
    services.AddSingleton<IObjectStore>(store);
    services.AddFunctionsMl(new ConfigurationBuilder().Build());
    await using var provider = services.BuildServiceProvider();
    var resolver = provider.GetRequiredService<FunctionsMl.Serving.Prediction.IModelResolver>();
    var primary = await resolver.ResolveAsync("iris", "production");
    var body = """{"sepal_length":5.9,"sepal_width":2.8,"petal_length":4.3,"petal_width":1.3}"""u8.ToArray();
    var outputs = new float[3];
    var dispatcher = provider.GetRequiredService<ShadowDispatcher>();
    foreach (var target in new[] { "2", "3" })
    {
        var copy = new ShadowCopy("iris", target, "req", body, primary, outputs, false);
        for (var i = 0; i < 20_000; i++)
        {
            await dispatcher.ProcessAsync(copy);
        }

        const int Copies = 200_000;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Copies; i++)
        {
            await dispatcher.ProcessAsync(copy);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shadow version {target}: {clock.Elapsed.TotalMicroseconds / Copies:0.00} µs and {(GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)Copies:0} bytes per copy ({dispatcher.Failed} failed)"));
    }

    return 0;
}

static async Task<int> LoadAsync(string[] args)
{
    string Option(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
    var seconds = double.Parse(Option("--seconds", "5"), CultureInfo.InvariantCulture);
    var rounds = int.Parse(Option("--rounds", "5"), CultureInfo.InvariantCulture);
    var connections = int.Parse(Option("--connections", "16"), CultureInfo.InvariantCulture);
    var targets = args.Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => (Name: a[..a.IndexOf('=')], Url: a[(a.IndexOf('=') + 1)..])).ToList();
    using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
    var row = """{"sepal_length":5.9,"sepal_width":2.8,"petal_length":4.3,"petal_width":1.3}""";

    async Task<(long Ok, long Failed)> RunAsync(string url, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        var results = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            long ok = 0, failed = 0;
            while (!stop.IsCancellationRequested)
            {
                using var content = new StringContent(row, System.Text.Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(url, content);
                await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                {
                    ok++;
                }
                else
                {
                    failed++;
                }
            }

            return (ok, failed);
        })));
        return (results.Sum(r => r.ok), results.Sum(r => r.failed));
    }

    foreach (var (_, url) in targets)
    {
        await RunAsync(url, TimeSpan.FromSeconds(3)); // Warm-up: JIT, connections, model loads.
    }

    var measured = targets.ToDictionary(t => t.Name, _ => new List<double>());
    long failures = 0;
    for (var round = 0; round < rounds; round++)
    {
        foreach (var (name, url) in targets)
        {
            var (ok, failed) = await RunAsync(url, TimeSpan.FromSeconds(seconds));
            measured[name].Add(ok / seconds);
            failures += failed;
        }
    }

    var baseline = Median(measured[targets[0].Name]);
    Console.WriteLine($"{connections} connections, {rounds} interleaved rounds of {seconds} s; load average {LoadAverage()}; non-2xx: {failures}");
    // Rounds run back to back, so the ratio within a round shares that moment's background load; its median is
    // the steadier comparison on a shared machine.
    Console.WriteLine("| host | requests/s (median) | vs first | median of per-round ratios | rounds |");
    Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
    var first = measured[targets[0].Name];
    foreach (var (name, values) in measured)
    {
        var median = Median(values);
        var paired = Median(values.Select((v, i) => v / first[i]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {median:0} | {median / baseline - 1:+0.0%;-0.0%} | {paired - 1:+0.0%;-0.0%} | {string.Join(" / ", values.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))} |"));
    }

    return failures == 0 ? 0 : 1;
}

static TrainedModel[] TrainModels()
{
    var root = FindRoot();
    var directory = Path.Combine(root, "models", "iris");
    var definition = ModelDefinition.LoadAsync(Path.Combine(directory, "model.json")).GetAwaiter().GetResult();
    var data = DataLoader.Load(Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
    TrainedModel Train(string? trainer) => new ModelBuilder(TimeProvider.System).Train(
        trainer is null ? definition : definition with { Trainer = new TrainerDefinition(JsonDocument.Parse(trainer).RootElement.GetProperty("type").GetString()!, JsonDocument.Parse(trainer).RootElement) },
        data,
        "bench").Model;
    return [Train(null), Train("""{"type":"gbdt","trees":10,"leaves":4,"minRowsPerLeaf":5,"seed":7}"""), Train("""{"type":"linear"}""")];
}

static async Task SeedAsync(IObjectStore store, TrainedModel[] models)
{
    var registry = new ModelRegistry(store, TimeProvider.System);
    foreach (var model in models)
    {
        await registry.RegisterAsync("iris", model.ToModelFile(), JsonSerializer.SerializeToElement(model.Manifest, ModelManifest.JsonOptions), "bench");
    }

    await registry.SetAliasAsync("iris", "production", "1", new AliasChange("bench", "seed"));
    await registry.SetAliasAsync("iris", "staging", "2", new AliasChange("bench", "seed"));
}

static string FindRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository.");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
