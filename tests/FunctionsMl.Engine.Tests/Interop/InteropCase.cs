using System.Text.Json;

namespace FunctionsMl.Engine.Tests.Interop;

/// <summary>
/// One model under tests/testdata/interop with the outputs its producer computed (see tools/interop/build_models.py
/// and lightgbm/README.md): the graph outputs for ONNX evaluation, and what the served model must answer.
/// </summary>
public sealed class InteropCase
{
    /// <summary>Float agreement: within 1e-5 relative, or 1e-6 absolute for values near zero (a float32 1 − p).</summary>
    public const double Relative = 1e-5;

    public const double Absolute = 1e-6;

    private InteropCase(string path, JsonElement root)
    {
        Name = Path.GetFileName(path).Replace(".expected.json", string.Empty, StringComparison.Ordinal);
        var folder = Path.GetDirectoryName(path)!;
        ModelPath = Path.Combine(folder, root.GetProperty("file").GetString()!);
        Rows = root.TryGetProperty("rows", out var rows) ? rows.GetInt32() : 0;
        Error = root.TryGetProperty("error", out var error) ? error.GetString() : null;
        Features = root.TryGetProperty("features", out var features) ? Floats(features) : null;
        FeatureNames = root.TryGetProperty("featureNames", out var names) ? [.. names.EnumerateArray().Select(n => n.GetString()!)] : null;
        ClassLabels = root.TryGetProperty("classLabels", out var labels) ? [.. labels.EnumerateArray().Select(n => n.GetString()!)] : null;
        Task = root.TryGetProperty("task", out var task) ? Enum.Parse<ModelTask>(task.GetString()!, ignoreCase: true) : null;
        Inputs = root.TryGetProperty("inputs", out var inputs) ? inputs.EnumerateObject().ToDictionary(p => p.Name, p => ReadTensor(p.Value)) : [];
        Outputs = root.TryGetProperty("outputs", out var outputs) ? outputs.EnumerateObject().ToDictionary(p => p.Name, p => ReadTensor(p.Value)) : [];
        if (root.TryGetProperty("served", out var served))
        {
            ServedTask = Enum.Parse<ModelTask>(served.GetProperty("task").GetString()!, ignoreCase: true);
            Probabilities = served.TryGetProperty("probabilities", out var p) ? Floats(p) : null;
            Values = served.TryGetProperty("value", out var v) ? Floats(v) : null;
            Labels = served.TryGetProperty("labels", out var l) ? [.. l.EnumerateArray().Select(e => e.GetString()!)] : null;
        }
    }

    public static string Root { get; } = FindRoot();

    public string Name { get; }

    public string ModelPath { get; }

    public int Rows { get; }

    public string? Error { get; }

    public float[]? Features { get; }

    public IReadOnlyList<string>? FeatureNames { get; }

    public IReadOnlyList<string>? ClassLabels { get; }

    public ModelTask? Task { get; }

    public Dictionary<string, Array> Inputs { get; }

    public Dictionary<string, Array> Outputs { get; }

    public ModelTask? ServedTask { get; }

    public float[]? Probabilities { get; }

    public float[]? Values { get; }

    public IReadOnlyList<string>? Labels { get; }

    public byte[] ModelBytes => File.ReadAllBytes(ModelPath);

    public static InteropCase Load(string folder, string name) => Read(Path.Combine(Root, folder, name + ".expected.json"));

    public static IEnumerable<string> Names(string folder) =>
        Directory.GetFiles(Path.Combine(Root, folder), "*.expected.json").Select(p => Path.GetFileName(p).Replace(".expected.json", string.Empty, StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    public static TheoryData<string> Theory(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var name in Names(folder))
        {
            data.Add(name);
        }

        return data;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], $"{what}[{i}]");
        }
    }

    public static void AssertClose(double expected, double actual, string what)
    {
        if (double.IsNaN(expected))
        {
            Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual}");
            return;
        }

        var tolerance = Math.Max(Relative * Math.Max(Math.Abs(expected), Math.Abs(actual)), Absolute);
        Assert.True(Math.Abs(expected - actual) <= tolerance || expected == actual, $"{what}: expected {expected:R}, got {actual:R} (difference {Math.Abs(expected - actual):E2})");
    }

    private static InteropCase Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return new InteropCase(path, document.RootElement.Clone());
    }

    private static float[] Floats(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? float.NaN : (float)e.GetDouble())];

    private static Array ReadTensor(JsonElement tensor)
    {
        var data = tensor.GetProperty("data");
        return tensor.GetProperty("type").GetString() switch
        {
            "float32" => Floats(data),
            "float64" => data.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray(),
            "int64" => data.EnumerateArray().Select(e => e.GetInt64()).ToArray(),
            "bool" => data.EnumerateArray().Select(e => e.GetInt32() != 0).ToArray(),
            _ => data.EnumerateArray().Select(e => e.GetString()!).ToArray(),
        };
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "testdata", "interop");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/testdata/interop not found above " + AppContext.BaseDirectory);
    }
}
