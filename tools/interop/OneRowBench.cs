#:project ../../src/FunctionsMl.Engine/FunctionsMl.Engine.csproj
#:property PublishAot=false
#:property Optimize=true

// One-row latency of imported test models (IPredictor.Predict after a 2 s warm-up, 50,000 calls each).
// Run from the repository root: dotnet run -c Release tools/interop/OneRowBench.cs
using System.Diagnostics;
using System.Text.Json;
using FunctionsMl.Engine.Interop;

var root = Path.Combine("tests", "testdata", "interop");
string[] cases = ["onnx/xgb_binary_lt", "onnx/hgb_binary_nan", "onnx/gbdt_iris_softmax", "onnx/rf_classifier_none", "onnx/logreg_wine_scaler", "onnx/mlp_relu_softmax", "xgboost/xgb_binary_nan", "lightgbm/lgb_multiclass"];
foreach (var name in cases)
{
    var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, name + ".expected.json"))).RootElement;
    var file = Path.Combine(root, Path.GetDirectoryName(name)!, expected.GetProperty("file").GetString()!);
    FunctionsMl.Engine.ModelTask? task = expected.TryGetProperty("task", out var t) ? Enum.Parse<FunctionsMl.Engine.ModelTask>(t.GetString()!, ignoreCase: true) : null;
    var model = ExternalModelImporter.Import("bench", File.ReadAllBytes(file), null, new ExternalModelOptions { Task = task }, TimeProvider.System);
    var features = expected.GetProperty("features").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? float.NaN : (float)e.GetDouble()).ToArray();
    var width = model.FeatureCount;
    var rows = features.Length / width;
    var output = new float[model.OutputCount];
    var warmUp = Stopwatch.StartNew();
    for (var i = 0; warmUp.Elapsed < TimeSpan.FromSeconds(2); i++)
    {
        model.Predictor.Predict(features.AsSpan((i % rows) * width, width), output);
    }

    var samples = new long[50_000];
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    for (var i = 0; i < samples.Length; i++)
    {
        var start = Stopwatch.GetTimestamp();
        model.Predictor.Predict(features.AsSpan((i % rows) * width, width), output);
        samples[i] = Stopwatch.GetTimestamp() - start;
    }

    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
    Array.Sort(samples);
    Console.WriteLine($"{name,-28} {model.Predictor.Kind,-8} {width,3} features  median {Micros(samples[samples.Length / 2]):F2} us  p99 {Micros(samples[samples.Length * 99 / 100]):F2} us  allocated {allocated} B");
}

static double Micros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
