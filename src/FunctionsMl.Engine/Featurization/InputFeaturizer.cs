using System.Globalization;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// The fitted featurization of one input, writing its slice of the output. Every path (tables, JSON, records) ends
/// in <see cref="WriteText"/> or <see cref="WriteNumber"/>, so they all produce the same features.
/// </summary>
internal abstract class InputFeaturizer(string name, double missingShare)
{
    public string Name { get; } = name;

    public abstract ColumnKind Kind { get; }

    /// <summary>Number of features this input writes.</summary>
    public abstract int Width { get; }

    /// <summary>Training share of missing values.</summary>
    public double MissingShare { get; } = missingShare;

    /// <summary>What the input expects, for error messages ("a number", ...).</summary>
    public abstract string Expected { get; }

    public abstract object? ExampleValue { get; }

    /// <summary>Writes the features of a value given as text; false if it is not a valid value (a non-number for a numeric input).</summary>
    public abstract bool WriteText(ReadOnlySpan<char> value, Span<float> destination);

    /// <summary>Writes the features of a number; NaN is missing.</summary>
    public virtual void WriteNumber(float value, Span<float> destination)
    {
        if (float.IsNaN(value))
        {
            WriteText(default, destination);
            return;
        }

        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out var written, provider: CultureInfo.InvariantCulture);
        WriteText(text[..written], destination);
    }

    public abstract IEnumerable<string> OutputNames();

    public abstract FeatureDescription Describe(int offset);

    /// <summary>Writes what is particular to this kind; the name, kind and missing share are written by the pipeline.</summary>
    public abstract void WriteBody(BinaryWriter writer);
}
