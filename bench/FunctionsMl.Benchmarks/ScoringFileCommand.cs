using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Benchmarks;

/// <summary>
/// File scoring end to end: a synthetic CSV in the store's <c>incoming/</c> is read, featurized, scored by a 100-tree
/// GBDT and written to <c>scored/</c> through the same <see cref="FileScorer"/> the hosts call.
/// Usage: <c>score-file [--rows 1000000] [--features 20] [--dir path] [--phase all|prepare|score] [--repeat 3] [--workers 0] [--block-rows 4096] [--flush-to-disk true]</c>.
/// </summary>
/// <remarks>
/// <c>prepare</c> writes the CSV, trains the model on 20,000 synthetic rows (default GBDT options: 100 trees, 31
/// leaves) and puts both in a file-system store under <c>--dir</c>; <c>score</c> only scores, so that a process-level
/// measurement (peak RSS with <c>/usr/bin/time -v</c>) sees scoring alone. The store keeps its default settings,
/// flush to disk included.
/// </remarks>
internal static class ScoringFileCommand
{
    private const string Model = "bench";
    private const string Input = "incoming/bench/input.csv";
    private const int TrainingRows = 20_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = IntOption(args, "--rows", 1_000_000);
        var features = IntOption(args, "--features", 20);
        var repeat = IntOption(args, "--repeat", 3);
        var phase = Option(args, "--phase") ?? "all";
        var directory = Path.GetFullPath(Option(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "functionsml-bench-scoring"));
        var configuration = new Dictionary<string, string?>
        {
            ["FunctionsMl:StorePath"] = Path.Combine(directory, "store"),
            ["FunctionsMl:Scoring:DeleteInput"] = "false",
            ["FunctionsMl:Scoring:Workers"] = Option(args, "--workers") ?? "0",
            ["FunctionsMl:Scoring:BlockRows"] = Option(args, "--block-rows") ?? FileScoringDefaults.BlockRows.ToString(CultureInfo.InvariantCulture),
        };
        var collection = new ServiceCollection();
        if (Option(args, "--flush-to-disk") == "false")
        {
            // Separates the disk from the CPU in a measurement; the hosts keep the default, flushing each object.
            collection.AddSingleton<IObjectStore>(new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootDirectory = Path.Combine(directory, "store"), FlushToDisk = false }));
        }

        await using var services = collection
            .AddFunctionsMl(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider();

        if (phase is "all" or "prepare")
        {
            await PrepareAsync(services, directory, rows, features);
        }

        if (phase is "all" or "score")
        {
            await ScoreAsync(services, repeat);
        }

        return 0;
    }

    private static async Task PrepareAsync(IServiceProvider services, string directory, int rows, int features)
    {
        Directory.CreateDirectory(directory);
        var stopwatch = Stopwatch.StartNew();
        var definition = ModelDefinition.Parse($$"""{"name": "{{Model}}", "task": "binary", "label": "label", "trainer": { "type": "gbdt" } }""");
        var model = new ModelBuilder(TimeProvider.System).Train(definition, TrainingTable(features), "synthetic").Model;
        var registry = services.GetRequiredService<ModelRegistry>();
        var registration = await registry.RegisterAsync(Model, model.ToModelFile(), JsonSerializer.SerializeToElement(model.Manifest, ModelManifest.JsonOptions), "benchmark");
        await registry.SetAliasAsync(Model, "production", registration.Version.Version, new AliasChange("benchmark", "score-file"));
        Console.WriteLine($"model: {model.Predictor.Kind}, {model.FeatureCount} features, trained in {stopwatch.Elapsed.TotalSeconds:F1} s; version {registration.Version.Version}");

        var csv = Path.Combine(directory, $"input-{rows}x{features}.csv");
        if (!File.Exists(csv))
        {
            WriteCsv(csv, rows, features);
        }

        await using (var content = File.OpenRead(csv))
        {
            await services.GetRequiredService<IObjectStore>().WriteAsync(Input, content, WriteCondition.None);
        }

        Console.WriteLine($"input: {rows:N0} rows x {features} features, {new FileInfo(csv).Length / 1e6:F0} MB, in the store at {Input}");
    }

    private static async Task ScoreAsync(IServiceProvider services, int repeat)
    {
        var store = services.GetRequiredService<IObjectStore>();
        var scorer = services.GetRequiredService<FileScorer>();
        for (var run = 1; run <= repeat; run++)
        {
            // The summary is the commit marker: without it the same upload is scored again.
            await store.DeleteAsync(ScoringPaths.Summary("bench/input.csv"), WriteCondition.None);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            var result = await scorer.ScoreAsync(Input);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var summary = result.Summary ?? throw new InvalidOperationException($"Scoring did not complete: {result.Status} {result.Error?.Reason}");
            var output = await OutputSizeAsync(store, summary.Output);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $$"""{"run": {{run}}, "rows": {{summary.Rows}}, "rejected": {{summary.Rejected}}, "seconds": {{seconds:F3}}, "rows_per_second": {{summary.Rows / seconds:F0}}, "cpu_seconds": {{cpuSeconds:F2}}, "output_mb": {{output / 1e6:F0}}, "peak_working_set_mb": {{Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0}}, "gc_heap_mb": {{GC.GetGCMemoryInfo().HeapSizeBytes / 1e6:F0}}, "gen2_collections": {{GC.CollectionCount(2)}}}"""));
        }
    }

    private static async Task<long> OutputSizeAsync(IObjectStore store, string path)
    {
        await foreach (var info in store.ListAsync(path))
        {
            return info.Size;
        }

        return 0;
    }

    private static DataTable TrainingTable(int features)
    {
        var random = new Random(7);
        var columns = new float[features][];
        for (var f = 0; f < features; f++)
        {
            columns[f] = new float[TrainingRows];
        }

        var labels = new string?[TrainingRows];
        var row = new float[features];
        for (var r = 0; r < TrainingRows; r++)
        {
            labels[r] = NextRow(random, row) ? "yes" : "no";
            for (var f = 0; f < features; f++)
            {
                columns[f][r] = row[f];
            }
        }

        return new DataTable([.. columns.Select((values, f) => DataColumn.Numeric($"f{f}", values)), DataColumn.Categorical("label", labels)]);
    }

    private static void WriteCsv(string path, int rows, int features)
    {
        var random = new Random(11);
        var row = new float[features];
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        writer.Write(string.Join(',', Enumerable.Range(0, features).Select(f => $"f{f}")));
        writer.Write('\n');
        Span<char> number = stackalloc char[32];
        for (var r = 0; r < rows; r++)
        {
            NextRow(random, row);
            for (var f = 0; f < features; f++)
            {
                if (f > 0)
                {
                    writer.Write(',');
                }

                row[f].TryFormat(number, out var written, "G7", CultureInfo.InvariantCulture);
                writer.Write(number[..written]);
            }

            writer.Write('\n');
        }
    }

    /// <summary>Gaussian features; the label follows a noisy score of the first five and one interaction, as in <see cref="SyntheticData"/>.</summary>
    private static bool NextRow(Random random, float[] row)
    {
        var score = 0.0;
        for (var f = 0; f < row.Length; f++)
        {
            row[f] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            if (f < 5)
            {
                score += (f % 2 == 0 ? 0.8 : -0.6) * row[f];
            }
        }

        score += row[0] * row[1];
        return random.NextDouble() < 1 / (1 + Math.Exp(-2 * score));
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
