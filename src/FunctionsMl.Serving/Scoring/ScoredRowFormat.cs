using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// Writes scored rows in the input's own format: each input record exactly as written, followed by the prediction
/// columns. Everything that does not depend on the row (names, labels, the version) is encoded once, up front, and
/// each row is written into one span reserved for its largest possible size.
/// </summary>
internal abstract class ScoredRowFormat
{
    public const string PredictionColumn = "prediction";
    public const string ProbabilityPrefix = "probability_";
    public const string VersionColumn = "model_version";

    /// <summary>Room for one formatted float: the longest, "-1.17549435E-38", is 15 bytes.</summary>
    protected const int MaxFloatBytes = 32;

    protected ScoredRowFormat(ModelManifest manifest)
    {
        IsRegression = manifest.Task == ModelTask.Regression;
        Labels = IsRegression ? [] : [.. manifest.ClassLabels ?? throw new ArgumentException("A classifier's manifest has no class labels.", nameof(manifest))];
        OutputColumns = [PredictionColumn, .. Labels.Select(label => ProbabilityPrefix + label), VersionColumn];
    }

    /// <summary>The columns scoring appends, in order: <c>prediction</c>, <c>probability_&lt;class&gt;</c> per class (classifiers), <c>model_version</c>.</summary>
    public IReadOnlyList<string> OutputColumns { get; }

    protected bool IsRegression { get; }

    protected string[] Labels { get; }

    /// <summary>The most bytes a row adds to its record's text.</summary>
    protected abstract int MaxAddedBytes { get; }

    public static ScoredRowFormat Create(DataFormat format, ModelManifest manifest, string version) => format switch
    {
        DataFormat.Csv => new CsvScoredRowFormat(manifest, version),
        DataFormat.JsonLines => new JsonLinesScoredRowFormat(manifest, version),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown data format."),
    };

    /// <summary>What precedes the rows: the CSV header; nothing for JSON lines.</summary>
    public abstract byte[] Header(IReadOnlyList<string> inputColumns);

    /// <summary>Appends one scored row.</summary>
    /// <param name="record">The record as written (CSV: one line, quotes included; JSON lines: one object).</param>
    /// <param name="outputs">The model's outputs for the row.</param>
    public void WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(record.Length) + MaxAddedBytes);
        output.Advance(WriteRow(record, outputs, span));
    }

    /// <returns>The bytes written to <paramref name="span"/>, which has room for the largest row.</returns>
    protected abstract int WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, Span<byte> span);

    protected static int Put(Span<byte> span, int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[position..]);
        return position + bytes.Length;
    }

    protected static int PutFloat(Span<byte> span, int position, float value)
    {
        value.TryFormat(span[position..], out var written, default, CultureInfo.InvariantCulture);
        return position + written;
    }

    protected int PredictedClass(ReadOnlySpan<float> outputs) => ClassificationMetrics.ArgMax(outputs[..Labels.Length]);
}

/// <summary>CSV: the header plus the output columns, then each line as written plus its predictions, CRLF-terminated (RFC 4180).</summary>
internal sealed class CsvScoredRowFormat : ScoredRowFormat
{
    private readonly byte[][] _labelFields;
    private readonly byte[] _versionSuffix;

    public CsvScoredRowFormat(ModelManifest manifest, string version)
        : base(manifest)
    {
        _labelFields = [.. Labels.Select(label => Encoding.UTF8.GetBytes(CsvText.Field(label)))];
        _versionSuffix = Encoding.UTF8.GetBytes($",{CsvText.Field(version)}\r\n");
        MaxAddedBytes = 1 + _labelFields.Select(l => l.Length).DefaultIfEmpty(0).Max() + ((Labels.Length + 1) * (1 + MaxFloatBytes)) + _versionSuffix.Length;
    }

    protected override int MaxAddedBytes { get; }

    public override byte[] Header(IReadOnlyList<string> inputColumns)
    {
        var header = new StringBuilder();
        foreach (var column in inputColumns.Concat(OutputColumns))
        {
            if (header.Length > 0)
            {
                header.Append(',');
            }

            CsvText.AppendField(header, column);
        }

        header.Append("\r\n");
        return Encoding.UTF8.GetBytes(header.ToString());
    }

    protected override int WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, Span<byte> span)
    {
        var position = Encoding.UTF8.GetBytes(record, span);
        span[position++] = (byte)',';
        if (IsRegression)
        {
            // An empty field is the CSV reader's missing value; "NaN" would read back as text in other tools.
            if (float.IsFinite(outputs[0]))
            {
                position = PutFloat(span, position, outputs[0]);
            }
        }
        else
        {
            position = Put(span, position, _labelFields[PredictedClass(outputs)]);
            for (var c = 0; c < Labels.Length; c++)
            {
                span[position++] = (byte)',';
                position = PutFloat(span, position, outputs[c]);
            }
        }

        return Put(span, position, _versionSuffix);
    }
}

/// <summary>JSON lines: each object as written with the output fields added before its closing brace, one per line.</summary>
internal sealed class JsonLinesScoredRowFormat : ScoredRowFormat
{
    private readonly byte[] _predictionKey;
    private readonly byte[][] _labelValues;
    private readonly byte[][] _probabilityKeys;
    private readonly byte[] _versionSuffix;

    public JsonLinesScoredRowFormat(ModelManifest manifest, string version)
        : base(manifest)
    {
        _predictionKey = Key(PredictionColumn);
        _labelValues = [.. Labels.Select(JsonString)];
        _probabilityKeys = [.. Labels.Select(label => Key(ProbabilityPrefix + label))];
        _versionSuffix = [.. Key(VersionColumn), .. JsonString(version), .. "}\n"u8];
        MaxAddedBytes = 1 + _predictionKey.Length + _labelValues.Select(l => l.Length).DefaultIfEmpty(MaxFloatBytes).Max()
            + _probabilityKeys.Sum(k => k.Length + MaxFloatBytes) + _versionSuffix.Length;
    }

    protected override int MaxAddedBytes { get; }

    public override byte[] Header(IReadOnlyList<string> inputColumns) => [];

    protected override int WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, Span<byte> span)
    {
        // The reader accepted the line as one object, so its last non-blank character is the closing brace.
        var end = record.TrimEnd(" \t\r").Length - 1;
        var body = record[..end].TrimEnd(" \t\r\n");
        var position = Encoding.UTF8.GetBytes(body, span);
        if (body.Length > 0 && body[^1] != '{')
        {
            span[position++] = (byte)',';
        }

        position = Put(span, position, _predictionKey);
        if (IsRegression)
        {
            position = float.IsFinite(outputs[0]) ? PutFloat(span, position, outputs[0]) : Put(span, position, "null"u8);
        }
        else
        {
            position = Put(span, position, _labelValues[PredictedClass(outputs)]);
            for (var c = 0; c < Labels.Length; c++)
            {
                position = Put(span, position, _probabilityKeys[c]);
                position = PutFloat(span, position, outputs[c]);
            }
        }

        return Put(span, position, _versionSuffix);
    }

    /// <summary>The key with its quotes and colon, preceded by a comma unless it is the first output field.</summary>
    private static byte[] Key(string name) =>
        [.. name == PredictionColumn ? ""u8 : ","u8, .. JsonString(name), .. ":"u8];

    private static byte[] JsonString(string value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
