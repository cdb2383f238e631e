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
/// columns. Everything that does not depend on the row (names, labels, the version) is encoded once, up front.
/// </summary>
internal abstract class ScoredRowFormat
{
    public const string PredictionColumn = "prediction";
    public const string ProbabilityPrefix = "probability_";
    public const string VersionColumn = "model_version";

    /// <summary>Longest UTF-8 form of a float: "-1.17549435E-38" is 15 bytes.</summary>
    private const int MaxFloatBytes = 32;

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
    public abstract void WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, IBufferWriter<byte> output);

    protected static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    protected static void WriteText(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    protected static void WriteFloat(IBufferWriter<byte> output, float value)
    {
        var span = output.GetSpan(MaxFloatBytes);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
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
    }

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

    public override void WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, IBufferWriter<byte> output)
    {
        WriteText(output, record);
        Write(output, ","u8);
        if (IsRegression)
        {
            // An empty field is the CSV reader's missing value; "NaN" would read back as text in other tools.
            if (float.IsFinite(outputs[0]))
            {
                WriteFloat(output, outputs[0]);
            }
        }
        else
        {
            Write(output, _labelFields[PredictedClass(outputs)]);
            for (var c = 0; c < Labels.Length; c++)
            {
                Write(output, ","u8);
                WriteFloat(output, outputs[c]);
            }
        }

        Write(output, _versionSuffix);
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
    }

    public override byte[] Header(IReadOnlyList<string> inputColumns) => [];

    public override void WriteRow(ReadOnlySpan<char> record, ReadOnlySpan<float> outputs, IBufferWriter<byte> output)
    {
        // The reader accepted the line as one object, so its last non-blank character is the closing brace.
        var end = record.TrimEnd(" \t\r").Length - 1;
        var body = record[..end].TrimEnd(" \t\r\n");
        WriteText(output, body);
        if (body.Length > 0 && body[^1] != '{')
        {
            Write(output, ","u8);
        }

        Write(output, _predictionKey);
        if (IsRegression)
        {
            if (float.IsFinite(outputs[0]))
            {
                WriteFloat(output, outputs[0]);
            }
            else
            {
                Write(output, "null"u8);
            }
        }
        else
        {
            Write(output, _labelValues[PredictedClass(outputs)]);
            for (var c = 0; c < Labels.Length; c++)
            {
                Write(output, _probabilityKeys[c]);
                WriteFloat(output, outputs[c]);
            }
        }

        Write(output, _versionSuffix);
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
