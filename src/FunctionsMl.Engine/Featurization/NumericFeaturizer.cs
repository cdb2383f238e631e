using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// One feature per numeric input. Without standardization the value passes through and a missing value stays NaN,
/// which trees route on their own. With it, a missing value becomes the training mean, then every value becomes
/// (x - mean) / std, with std (population) replaced by 1 when the training values were constant.
/// </summary>
internal sealed class NumericFeaturizer : InputFeaturizer
{
    private const int Deciles = 10;

    private readonly double _scale;

    private NumericFeaturizer(
        string name, double missingShare, bool standardize, long count, double mean, double std, double min, double max,
        bool isInteger, double[] binEdges, double[] binShares)
        : base(name, missingShare)
    {
        Standardize = standardize;
        Count = count;
        Mean = mean;
        Std = std;
        Min = min;
        Max = max;
        IsInteger = isInteger;
        BinEdges = binEdges;
        BinShares = binShares;
        _scale = std > 0 ? std : 1;
    }

    public override ColumnKind Kind => ColumnKind.Numeric;

    public override int Width => 1;

    public override string Expected => "a number";

    public bool Standardize { get; }

    public long Count { get; }

    public double Mean { get; }

    public double Std { get; }

    /// <summary>NaN when no training value was present.</summary>
    public double Min { get; }

    public double Max { get; }

    public bool IsInteger { get; }

    public double[] BinEdges { get; }

    public double[] BinShares { get; }

    public override object? ExampleValue =>
        Count == 0 ? null : IsInteger ? Math.Round(Mean, MidpointRounding.AwayFromZero) : RoundSignificant(Mean, 4);

    /// <param name="values">One per training row; NaN is missing.</param>
    public static NumericFeaturizer Fit(string name, ReadOnlySpan<float> values, bool standardize)
    {
        var present = new double[values.Length];
        var count = 0;
        foreach (var value in values)
        {
            if (!float.IsNaN(value))
            {
                present[count++] = value;
            }
        }

        var sorted = present.AsSpan(0, count);
        sorted.Sort();
        double sum = 0;
        var isInteger = true;
        foreach (var value in sorted)
        {
            sum += value;
            isInteger &= Math.Floor(value) == value;
        }

        var mean = count == 0 ? 0 : sum / count;
        double squares = 0;
        foreach (var value in sorted)
        {
            squares += (value - mean) * (value - mean);
        }

        // A constant column has no spread, whatever rounding the mean picked up.
        var constant = count == 0 || sorted[0] == sorted[^1];
        var std = constant ? 0 : Math.Sqrt(squares / count);
        var edges = DecileEdges(sorted);
        var shares = new double[edges.Length + 1];
        if (values.Length > 0)
        {
            var bins = new long[shares.Length];
            var bin = 0;
            foreach (var value in sorted)
            {
                while (bin < edges.Length && edges[bin] < value)
                {
                    bin++;
                }

                bins[bin]++;
            }

            for (var i = 0; i < shares.Length; i++)
            {
                shares[i] = (double)bins[i] / values.Length;
            }
        }

        var missingShare = values.Length == 0 ? 0 : (double)(values.Length - count) / values.Length;
        return new NumericFeaturizer(
            name, missingShare, standardize, count, mean, std,
            count == 0 ? double.NaN : sorted[0], count == 0 ? double.NaN : sorted[^1],
            count > 0 && isInteger, edges, shares);
    }

    public float Transform(float value)
    {
        if (!Standardize)
        {
            return value;
        }

        return float.IsNaN(value) ? 0f : (float)((value - Mean) / _scale);
    }

    public override bool WriteText(ReadOnlySpan<char> value, Span<float> destination)
    {
        if (DataValues.ClassifyNumber(value, out var number) == NumberClass.Invalid)
        {
            return false;
        }

        destination[0] = Transform(number);
        return true;
    }

    public override void WriteNumber(float value, Span<float> destination) => destination[0] = Transform(value);

    public override IEnumerable<string> OutputNames() => [Name];

    public override FeatureDescription Describe(int offset) => new(
        Name, Kind, offset, Width, MissingShare,
        new NumericFeatureDescription(
            Count, Mean, Std, Standardize ? Mean : null,
            Count == 0 ? null : Min, Count == 0 ? null : Max, IsInteger, BinEdges, BinShares),
        null, null);

    public override void WriteBody(BinaryWriter writer)
    {
        writer.Write(Standardize);
        writer.Write(Count);
        writer.Write(Mean);
        writer.Write(Std);
        writer.Write(Min);
        writer.Write(Max);
        writer.Write(IsInteger);
        writer.Write(BinEdges.Length);
        foreach (var edge in BinEdges)
        {
            writer.Write(edge);
        }

        foreach (var share in BinShares)
        {
            writer.Write(share);
        }
    }

    public static NumericFeaturizer ReadBody(BinaryReader reader, string name, double missingShare)
    {
        var standardize = reader.ReadBoolean();
        var count = reader.ReadInt64();
        var mean = reader.ReadDouble();
        var std = reader.ReadDouble();
        var min = reader.ReadDouble();
        var max = reader.ReadDouble();
        var isInteger = reader.ReadBoolean();
        var edgeCount = reader.ReadInt32();
        ModelData.Check(count >= 0, name, "a negative count");
        ModelData.Check(double.IsFinite(mean) && double.IsFinite(std) && std >= 0, name, "a mean or standard deviation that is not a finite number");
        ModelData.Check(edgeCount is >= 0 and < Deciles, name, $"{edgeCount} bin edges");
        var edges = new double[edgeCount];
        for (var i = 0; i < edges.Length; i++)
        {
            edges[i] = reader.ReadDouble();
            ModelData.Check(double.IsFinite(edges[i]) && (i == 0 || edges[i] > edges[i - 1]), name, "bin edges that are not ascending finite numbers");
        }

        var shares = new double[edgeCount + 1];
        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] = reader.ReadDouble();
            ModelData.CheckShare(shares[i], name);
        }

        return new NumericFeaturizer(name, missingShare, standardize, count, mean, std, min, max, isInteger, edges, shares);
    }

    /// <summary>Distinct deciles (the lower empirical quantile, no interpolation) of sorted values.</summary>
    private static double[] DecileEdges(ReadOnlySpan<double> sorted)
    {
        var edges = new List<double>(Deciles - 1);
        if (sorted.Length == 0)
        {
            return [];
        }

        for (var q = 1; q < Deciles; q++)
        {
            var index = Math.Clamp((int)Math.Ceiling((double)q * sorted.Length / Deciles) - 1, 0, sorted.Length - 1);
            var edge = sorted[index];
            if (edges.Count == 0 || edge > edges[^1])
            {
                edges.Add(edge);
            }
        }

        return [.. edges];
    }

    private static double RoundSignificant(double value, int digits)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return 0;
        }

        var decimals = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        if (decimals >= 0)
        {
            return Math.Round(value, Math.Min(decimals, 15));
        }

        var scale = Math.Pow(10, -decimals);
        return Math.Round(value / scale) * scale;
    }
}
