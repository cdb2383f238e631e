using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// A model version's training distribution per input, as its manifest records it, and the rule that puts a
/// raw request value in the same bins: decile bins plus "missing" for numeric inputs, the kept categories plus
/// "other" plus "missing" for categorical ones. Text inputs have no bins and are left out. Values are read as
/// the featurization reads them (numbers as float, categories trimmed and compared ordinally), so a training
/// row sent as a request lands in the bin it was counted in.
/// </summary>
public sealed class DriftProfile
{
    private const int StackChars = 256;
    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private DriftProfile(IReadOnlyList<DriftFeature> features)
    {
        Features = features;
        _index = new Dictionary<string, int>(features.Count, StringComparer.Ordinal);
        for (var i = 0; i < features.Count; i++)
        {
            _index[features[i].Name] = i;
        }

        _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        BinCount = features.Sum(f => f.Expected.Length);
    }

    public IReadOnlyList<DriftFeature> Features { get; }

    /// <summary>Bins over all features: the length of a counts array.</summary>
    public int BinCount { get; }

    /// <summary>The profile of a manifest's featurization; null when it records none (e.g. an imported model) or has no binned input.</summary>
    public static DriftProfile? From(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Featurization is not { ValueKind: JsonValueKind.Object } json)
        {
            return null;
        }

        FeaturizationDescription? description;
        try
        {
            description = json.Deserialize<FeaturizationDescription>(ModelManifest.JsonOptions);
        }
        catch (JsonException)
        {
            return null; // A featurization written by another engine version: no drift rather than no serving.
        }

        if (description?.Inputs is null)
        {
            return null;
        }

        var features = new List<DriftFeature>();
        var offset = 0;
        foreach (var input in description.Inputs)
        {
            DriftFeature? feature = input.Kind switch
            {
                ColumnKind.Numeric when input.Numeric is { } numeric => DriftFeature.ForNumeric(input.Name, offset, numeric, input.MissingShare),
                ColumnKind.Categorical when input.Categorical is { } categorical => DriftFeature.ForCategorical(input.Name, offset, categorical, input.MissingShare),
                _ => null,
            };
            if (feature is not null)
            {
                features.Add(feature);
                offset += feature.Expected.Length;
            }
        }

        return features.Count == 0 ? null : new DriftProfile(features);
    }

    /// <summary>Counts one request row into <paramref name="counts"/> (length <see cref="BinCount"/>), thread-safely.</summary>
    public void Record(JsonElement row, long[] counts)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        Span<char> name = stackalloc char[StackChars];
        foreach (var property in row.EnumerateObject())
        {
            var index = Find(property, name);
            if (index >= 0)
            {
                var feature = Features[index];
                Interlocked.Increment(ref counts[feature.Offset + feature.BinOf(property.Value)]);
            }
        }
    }

    private int Find(JsonProperty property, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length <= buffer.Length && raw.IndexOf((byte)'\\') < 0)
        {
            var length = Encoding.UTF8.GetChars(raw, buffer);
            return _lookup.TryGetValue(buffer[..length], out var found) ? found : -1;
        }

        return _index.TryGetValue(property.Name, out var index) ? index : -1;
    }
}

/// <summary>One input's bins: their training shares, labels, and how a request value is placed in them.</summary>
public sealed class DriftFeature
{
    private const int StackChars = 256;
    private readonly NumericFeatureDescription? _numeric;
    private readonly Dictionary<string, int>? _categories;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _categoryLookup;

    private DriftFeature(string name, ColumnKind kind, int offset, double[] expected, string[] labels, NumericFeatureDescription? numeric, IReadOnlyList<string>? categories)
    {
        Name = name;
        Kind = kind;
        Offset = offset;
        Expected = expected;
        BinLabels = labels;
        _numeric = numeric;
        if (categories is not null)
        {
            _categories = new Dictionary<string, int>(categories.Count, StringComparer.Ordinal);
            for (var i = 0; i < categories.Count; i++)
            {
                _categories.TryAdd(categories[i], i);
            }

            _categoryLookup = _categories.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    public string Name { get; }

    public ColumnKind Kind { get; }

    /// <summary>Where this feature's bins start in a profile's counts.</summary>
    public int Offset { get; }

    /// <summary>Training share of each bin; the last bin is "missing".</summary>
    public double[] Expected { get; }

    /// <summary>A label per bin: <c>≤ 4.8</c>, <c>(4.8, 5.1]</c>, <c>&gt; 7.2</c>, a category, <c>(other)</c>, <c>(missing)</c>.</summary>
    public string[] BinLabels { get; }

    private int MissingBin => Expected.Length - 1;

    /// <summary>The bin of one raw JSON value of this input.</summary>
    public int BinOf(JsonElement value) => _numeric is not null ? NumericBin(value) : CategoricalBin(value);

    internal static DriftFeature ForNumeric(string name, int offset, NumericFeatureDescription numeric, double missingShare)
    {
        var edges = numeric.BinEdges ?? [];
        var shares = numeric.BinShares ?? [];
        var expected = new double[edges.Count + 2];
        for (var i = 0; i <= edges.Count; i++)
        {
            expected[i] = i < shares.Count ? shares[i] : 0;
        }

        expected[^1] = missingShare;
        var labels = new string[expected.Length];
        for (var i = 0; i <= edges.Count; i++)
        {
            labels[i] = edges.Count == 0 ? "present"
                : i == 0 ? $"≤ {Format(edges[0])}"
                : i == edges.Count ? $"> {Format(edges[^1])}"
                : $"({Format(edges[i - 1])}, {Format(edges[i])}]";
        }

        labels[^1] = "(missing)";
        return new DriftFeature(name, ColumnKind.Numeric, offset, expected, labels, numeric with { BinEdges = edges }, null);
    }

    internal static DriftFeature ForCategorical(string name, int offset, CategoricalFeatureDescription categorical, double missingShare)
    {
        var categories = categorical.Categories ?? [];
        var expected = new double[categories.Count + 2];
        for (var i = 0; i < categories.Count; i++)
        {
            expected[i] = i < categorical.Shares.Count ? categorical.Shares[i] : 0;
        }

        expected[^2] = categorical.OtherShare;
        expected[^1] = missingShare;
        string[] labels = [.. categories, "(other)", "(missing)"];
        return new DriftFeature(name, ColumnKind.Categorical, offset, expected, labels, null, categories);
    }

    private int NumericBin(JsonElement value)
    {
        float number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (!value.TryGetDouble(out var parsed) || !float.IsFinite((float)parsed))
                {
                    return MissingBin;
                }

                number = (float)parsed;
                break;
            case JsonValueKind.String:
                Span<char> buffer = stackalloc char[StackChars];
                var text = TextOf(value, buffer);
                if (!DataValues.TryParseNumber(text, out number))
                {
                    return MissingBin;
                }

                break;
            case JsonValueKind.True:
                number = 1;
                break;
            case JsonValueKind.False:
                number = 0;
                break;
            default:
                return MissingBin;
        }

        return _numeric!.FindBin(number);
    }

    private int CategoricalBin(JsonElement value)
    {
        Span<char> buffer = stackalloc char[StackChars];
        scoped ReadOnlySpan<char> text;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
            case JsonValueKind.Number:
                text = TextOf(value, buffer).Trim();
                break;
            case JsonValueKind.True:
                text = "1";
                break;
            case JsonValueKind.False:
                text = "0";
                break;
            default:
                return MissingBin;
        }

        if (DataValues.IsMissing(text))
        {
            return MissingBin;
        }

        return _categoryLookup.TryGetValue(text, out var index) ? index : Expected.Length - 2;
    }

    /// <summary>A string's content or a number's text as written, decoded into <paramref name="buffer"/> when it fits.</summary>
    private static ReadOnlySpan<char> TextOf(JsonElement value, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (value.ValueKind == JsonValueKind.String)
        {
            raw = raw[1..^1];
            if (raw.IndexOf((byte)'\\') >= 0)
            {
                return value.GetString();
            }
        }

        if (raw.Length > buffer.Length)
        {
            return Encoding.UTF8.GetString(raw);
        }

        return buffer[..Encoding.UTF8.GetChars(raw, buffer)];
    }

    private static string Format(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
