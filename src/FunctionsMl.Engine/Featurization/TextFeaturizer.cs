using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// 2^bits features per text input: counts of hashed words and word pairs (see <see cref="TextHasher"/>), scaled to
/// unit L2 norm so that long and short texts weigh alike. Missing text, or text without any word, is all zeros.
/// </summary>
internal sealed class TextFeaturizer : InputFeaturizer
{
    private const int SampleLength = 80;

    private TextFeaturizer(string name, double missingShare, int hashBits, bool bigrams, string? sample)
        : base(name, missingShare)
    {
        HashBits = hashBits;
        Bigrams = bigrams;
        Sample = sample;
    }

    public override ColumnKind Kind => ColumnKind.Text;

    public override int Width => 1 << HashBits;

    public override string Expected => "a string or null";

    public int HashBits { get; }

    public bool Bigrams { get; }

    public string? Sample { get; }

    public override object? ExampleValue => Sample;

    public static TextFeaturizer Fit(string name, string? firstValue, int missingCount, int rowCount, int hashBits, bool bigrams) =>
        new(name, rowCount == 0 ? 0 : (double)missingCount / rowCount, hashBits, bigrams, firstValue is null ? null : Shorten(firstValue));

    public override bool WriteText(ReadOnlySpan<char> value, Span<float> destination)
    {
        destination.Clear();
        if (DataValues.IsMissing(value))
        {
            return true;
        }

        TextHasher.AddTerms(value, HashBits, Bigrams, destination);
        double squares = 0;
        foreach (var count in destination)
        {
            squares += count * count;
        }

        if (squares > 0)
        {
            var scale = (float)(1 / Math.Sqrt(squares));
            foreach (ref var count in destination)
            {
                count *= scale;
            }
        }

        return true;
    }

    public override IEnumerable<string> OutputNames() => Enumerable.Range(0, Width).Select(i => $"{Name}#{i}");

    public override FeatureDescription Describe(int offset) => new(
        Name, Kind, offset, Width, MissingShare, null, null, new TextFeatureDescription(HashBits, Bigrams, Sample));

    public override void WriteBody(BinaryWriter writer)
    {
        writer.Write(HashBits);
        writer.Write(Bigrams);
        writer.Write(Sample is not null);
        if (Sample is not null)
        {
            writer.Write(Sample);
        }
    }

    public static TextFeaturizer ReadBody(BinaryReader reader, string name, double missingShare)
    {
        var hashBits = reader.ReadInt32();
        ModelData.Check(hashBits is >= 1 and <= FeaturizerOptions.MaxTextHashBits, name, $"{hashBits} hash bits");
        var bigrams = reader.ReadBoolean();
        var sample = reader.ReadBoolean() ? reader.ReadString() : null;
        return new TextFeaturizer(name, missingShare, hashBits, bigrams, sample);
    }

    /// <summary>The value cut at a word boundary near <see cref="SampleLength"/> characters.</summary>
    private static string Shorten(string value)
    {
        value = value.Trim();
        if (value.Length <= SampleLength)
        {
            return value;
        }

        var cut = value.LastIndexOf(' ', SampleLength);
        return value[..(cut > 0 ? cut : SampleLength)].TrimEnd() + "...";
    }
}
