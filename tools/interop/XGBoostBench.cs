#:project ../../src/FunctionsMl.Engine/FunctionsMl.Engine.csproj
#:property PublishAot=false
#:property Optimize=true

// FunctionsMl's side of the XGBoost benchmark: the model bench_xgboost.py trained, imported from its JSON, scored
// one row at a time (IPredictor.Predict) and as the whole 100,000-row batch (PredictBatch), checked against
// XGBoost's own predictions. Run: dotnet run -c Release tools/interop/XGBoostBench.cs -- /tmp/functionsml-xgb-bench
using System.Diagnostics;
using System.Text.Json;
using FunctionsMl.Engine.Interop;
using FunctionsMl.Engine.Training;

var folder = args.Length > 0 ? args[0] : "/tmp/functionsml-xgb-bench";
var model = ExternalModelImporter.Import("bench", File.ReadAllBytes(Path.Combine(folder, "model.json")), ExternalModelFormat.XGBoost, null, TimeProvider.System);
var predictor = model.Predictor;
var width = predictor.FeatureCount;
var raw = File.ReadAllBytes(Path.Combine(folder, "rows.f32"));
var values = new float[raw.Length / 4];
Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
var rows = values.Length / width;
var expectedBytes = File.ReadAllBytes(Path.Combine(folder, "xgboost_predictions.f32"));
var expected = new float[expectedBytes.Length / 4];
Buffer.BlockCopy(expectedBytes, 0, expected, 0, expectedBytes.Length);

// Warm up for two seconds so the JIT's tiered compilation has installed its optimized code before timing.
var output = new float[2];
var warmUp = Stopwatch.StartNew();
for (var i = 0; warmUp.Elapsed < TimeSpan.FromSeconds(2); i++)
{
    predictor.Predict(values.AsSpan((i % rows) * width, width), output);
}

var samples = new long[20_000];
var process = Process.GetCurrentProcess();
var cpuStart = CpuMilliseconds();
var allocated = GC.GetAllocatedBytesForCurrentThread();
for (var i = 0; i < samples.Length; i++)
{
    var start = Stopwatch.GetTimestamp();
    predictor.Predict(values.AsSpan((i % rows) * width, width), output);
    samples[i] = Stopwatch.GetTimestamp() - start;
}

allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
var oneRowCpu = (CpuMilliseconds() - cpuStart) * 1000 / samples.Length;
Array.Sort(samples);
double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

var matrix = new FeatureMatrix(values, rows, width);
var batch = new float[rows * 2];
warmUp.Restart();
while (warmUp.Elapsed < TimeSpan.FromSeconds(2))
{
    predictor.PredictBatch(matrix, batch);
}
var times = new List<double>();
cpuStart = CpuMilliseconds();
for (var i = 0; i < 5; i++)
{
    var start = Stopwatch.GetTimestamp();
    predictor.PredictBatch(matrix, batch);
    times.Add((Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency);
}

var batchCpu = (CpuMilliseconds() - cpuStart) / 5;

var maxDifference = 0.0;
for (var r = 0; r < rows; r++)
{
    maxDifference = Math.Max(maxDifference, Math.Abs(batch[(r * 2) + 1] - expected[r]));
}

times.Sort();
Console.WriteLine(JsonSerializer.Serialize(new
{
    rows,
    features = width,
    one_row_median_us = Micros(samples[samples.Length / 2]),
    one_row_p99_us = Micros(samples[(int)(samples.Length * 0.99)]),
    one_row_cpu_us = oneRowCpu,
    one_row_allocated_bytes = allocated,
    batch_best_ms = times[0],
    batch_median_ms = times[times.Count / 2],
    batch_cpu_ms = batchCpu,
    max_abs_difference_vs_xgboost = maxDifference,
    processors = Environment.ProcessorCount,
}, new JsonSerializerOptions { WriteIndented = true }));

double CpuMilliseconds()
{
    process.Refresh();
    return process.TotalProcessorTime.TotalMilliseconds;
}
