using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// One-hot over the most frequent training categories (ties broken by ordinal order) plus one last "other" feature
/// for every other value, seen in training or not. A missing value sets no feature: all zeros. Values are trimmed
/// and compared ordinally (case matters).
/// </summary>
internal sealed class CategoricalFeaturizer : InputFeaturizer
{
    private const string OtherName = "<other>";

    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private CategoricalFeaturizer(string name, double missingShare, string[] categories, double[] shares, double otherShare)
        : base(name, missingShare)
    {
        Categories = categories;
        Shares = shares;
        OtherShare = otherShare;
        _index = new Dictionary<string, int>(categories.Length, StringComparer.Ordinal);
        for (var i = 0; i < categories.Length; i++)
        {
            ModelData.Check(_index.TryAdd(categories[i], i), name, $"the category '{categories[i]}' twice");
        }

        _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public override ColumnKind Kind => ColumnKind.Categorical;

    public override int Width => Categories.Length + 1;

    public override string Expected => "a string, a number or null";

    public string[] Categories { get; }

    public double[] Shares { get; }

    public double OtherShare { get; }

    public override object? ExampleValue => Categories.Length > 0 ? Categories[0] : null;

    /// <param name="counts">Occurrences of each (trimmed, present) training value.</param>
    public static CategoricalFeaturizer Fit(string name, Dictionary<string, int> counts, int rowCount, int maxCategories)
    {
        var kept = counts
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(maxCategories)
            .ToArray();
        var present = counts.Values.Sum(c => (long)c);
        var keptCount = kept.Sum(pair => (long)pair.Value);
        double Share(long count) => rowCount == 0 ? 0 : (double)count / rowCount;
        return new CategoricalFeaturizer(
            name,
            Share(rowCount - present),
            [.. kept.Select(pair => pair.Key)],
            [.. kept.Select(pair => Share(pair.Value))],
            Share(present - keptCount));
    }

    public override bool WriteText(ReadOnlySpan<char> value, Span<float> destination)
    {
        destination.Clear();
        value = value.Trim();
        if (!DataValues.IsMissing(value))
        {
            destination[_lookup.TryGetValue(value, out var index) ? index : Categories.Length] = 1;
        }

        return true;
    }

    public override IEnumerable<string> OutputNames() => [.. Categories.Select(c => $"{Name}={c}"), $"{Name}={OtherName}"];

    public override FeatureDescription Describe(int offset) => new(
        Name, Kind, offset, Width, MissingShare, null, new CategoricalFeatureDescription(Categories, Shares, OtherShare), null);

    public override void WriteBody(BinaryWriter writer)
    {
        writer.Write(Categories.Length);
        for (var i = 0; i < Categories.Length; i++)
        {
            writer.Write(Categories[i]);
            writer.Write(Shares[i]);
        }

        writer.Write(OtherShare);
    }

    public static CategoricalFeaturizer ReadBody(BinaryReader reader, string name, double missingShare, int maxCategories)
    {
        var count = reader.ReadInt32();
        ModelData.Check(count >= 0 && count <= maxCategories, name, $"{count} categories (at most {maxCategories} allowed)");
        var categories = new string[count];
        var shares = new double[count];
        for (var i = 0; i < count; i++)
        {
            categories[i] = reader.ReadString();
            shares[i] = reader.ReadDouble();
            ModelData.CheckShare(shares[i], name);
        }

        var otherShare = reader.ReadDouble();
        ModelData.CheckShare(otherShare, name);
        return new CategoricalFeaturizer(name, missingShare, categories, shares, otherShare);
    }
}
