using System.Collections.ObjectModel;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Featurization;

/// <summary>
/// Turns input rows into the feature vectors a predictor reads. Learned from the training data by <see cref="Fit"/>,
/// stored in the model by <see cref="Write"/>, so prediction runs exactly what training ran. Immutable and safe to
/// use from many threads at once.
/// </summary>
/// <remarks>
/// <para>Each input, in order, writes a contiguous slice of the output:</para>
/// <list type="bullet">
/// <item>Numeric: one feature. By default the value as is, missing staying NaN (trees handle it). With
/// <see cref="FeaturizerOptions.Standardize"/>: a missing value becomes the training mean, then (x - mean) / std.</item>
/// <item>Categorical: one-hot over the <see cref="FeaturizerOptions.MaxCategories"/> most frequent training values,
/// plus an "other" feature for any other value, unseen ones included; missing is all zeros.</item>
/// <item>Text: 2^<see cref="FeaturizerOptions.TextHashBits"/> hashed word (and word pair) counts, L2-normalized;
/// missing is all zeros.</item>
/// </list>
/// <para>
/// All entry points read values by the same rules (<see cref="DataValues"/>), so a row gives the same vector whether it
/// comes from a <see cref="DataTable"/>, a JSON object or a file record. JSON booleans are the numbers 1 and 0; a JSON
/// number given for a categorical or text input is read as its literal text.
/// </para>
/// </remarks>
public sealed class FeaturePipeline
{
    private const string FormatName = "FunctionsMl.FeaturePipeline";
    private const int FormatVersion = 1;
    private const int MaxInputs = 1 << 20;
    private const int CancellationCheckInterval = 4096;
    private const int StackChars = 256;
    private const int MaxNamesInMessage = 20;

    private readonly InputFeaturizer[] _inputs;
    private readonly int[] _offsets;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly Utf8NameTable _utf8Names;

    private FeaturePipeline(FeaturizerOptions options, InputFeaturizer[] inputs, int trainingRowCount)
    {
        Options = options;
        _inputs = inputs;
        TrainingRowCount = trainingRowCount;
        _offsets = new int[inputs.Length];
        _inputIndex = new Dictionary<string, int>(inputs.Length, StringComparer.Ordinal);
        var offset = 0;
        for (var i = 0; i < inputs.Length; i++)
        {
            if (!_inputIndex.TryAdd(inputs[i].Name, i))
            {
                throw new InvalidDataException($"The stored featurization is not valid: input '{inputs[i].Name}' appears twice.");
            }

            _offsets[i] = offset;
            offset = checked(offset + inputs[i].Width);
        }

        OutputLength = offset;
        _utf8Names = new Utf8NameTable([.. inputs.Select(input => input.Name)]);
        Inputs = Array.AsReadOnly(inputs.Select(input => new FeatureSpec(input.Name, input.Kind)).ToArray());
        OutputNames = Array.AsReadOnly(inputs.SelectMany(input => input.OutputNames()).ToArray());
        var example = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            example.Add(input.Name, input.ExampleValue);
        }

        ExampleRow = new ReadOnlyDictionary<string, object?>(example);
    }

    public FeaturizerOptions Options { get; }

    /// <summary>The inputs, in the order their features appear in the output.</summary>
    public IReadOnlyList<FeatureSpec> Inputs { get; }

    /// <summary>Length of every feature vector; the predictor's feature count.</summary>
    public int OutputLength { get; }

    /// <summary>
    /// A name per feature: the input name for numeric inputs, <c>color=red</c> and <c>color=&lt;other&gt;</c> for
    /// categorical ones, <c>review#17</c> for text buckets.
    /// </summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Rows the pipeline was fitted on.</summary>
    public int TrainingRowCount { get; }

    /// <summary>
    /// A plausible input, in input order, for API documentation: numeric inputs the training mean (rounded to an
    /// integer when all training values were integers, else to 4 significant digits), categorical inputs the most
    /// frequent category, text inputs a short training sample. Null where training had no value.
    /// </summary>
    public IReadOnlyDictionary<string, object?> ExampleRow { get; }

    /// <summary>Learns the featurization of <paramref name="features"/> from <paramref name="table"/>, which may have other columns (the label).</summary>
    /// <exception cref="FeatureInputException">A feature column is absent, or a numeric feature has a value that is not a number.</exception>
    public static FeaturePipeline Fit(DataTable table, IReadOnlyList<FeatureSpec> features, FeaturizerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (features.Count == 0)
        {
            throw new ArgumentException("At least one feature is needed.", nameof(features));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var inputs = new InputFeaturizer[features.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var feature = features[i];
            if (string.IsNullOrWhiteSpace(feature.Name) || !names.Add(feature.Name))
            {
                throw new ArgumentException($"Feature names must be non-empty and distinct; '{feature.Name}' is not.", nameof(features));
            }

            var column = ColumnOf(table, feature.Name);
            inputs[i] = feature.Kind switch
            {
                ColumnKind.Numeric => NumericFeaturizer.Fit(feature.Name, NumbersOf(column), options.Standardize),
                ColumnKind.Categorical => CategoricalFeaturizer.Fit(feature.Name, CountCategories(column), table.RowCount, options.MaxCategories),
                ColumnKind.Text => FitText(column, table.RowCount, options),
                _ => throw new ArgumentOutOfRangeException(nameof(features), feature.Kind, $"Feature '{feature.Name}' has an unknown kind."),
            };
        }

        return new FeaturePipeline(options, inputs, table.RowCount);
    }

    /// <summary>Featurizes every row of <paramref name="table"/>, which may have columns besides the inputs.</summary>
    /// <exception cref="FeatureInputException">An input column is absent, or a numeric input has a value that is not a number.</exception>
    public FeatureMatrix Transform(DataTable table, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var matrix = new FeatureMatrix(table.RowCount, OutputLength);
        var values = matrix.Values;
        for (var i = 0; i < _inputs.Length; i++)
        {
            var input = _inputs[i];
            var column = ColumnOf(table, input.Name);
            var offset = _offsets[i];
            for (var row = 0; row < table.RowCount; row++)
            {
                if (row % CancellationCheckInterval == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var destination = values.AsSpan((row * OutputLength) + offset, input.Width);
                if (column.Numbers is { } numbers)
                {
                    input.WriteNumber(numbers[row], destination);
                }
                else if (!input.WriteText(column.Strings![row], destination))
                {
                    throw new FeatureInputException(input.Name, $"Row {row + 1}: field '{input.Name}' must be {input.Expected}; {DataValues.Quote(column.Strings[row])} is not.");
                }
            }
        }

        return matrix;
    }

    /// <summary>
    /// Featurizes one JSON object with a field per input, matched by name. A field that is null has a missing value;
    /// an absent one is an error. Allocates nothing when all values are numbers. On error, <paramref name="destination"/>
    /// holds partial results.
    /// </summary>
    /// <param name="destination">At least <see cref="OutputLength"/> values.</param>
    /// <param name="allowUnknownFields">Ignore fields that are not inputs instead of rejecting them.</param>
    /// <exception cref="FeatureInputException">A field is missing, unknown, repeated, or of the wrong type.</exception>
    public void TransformJson(JsonElement row, Span<float> destination, bool allowUnknownFields = false)
    {
        CheckDestination(destination);
        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new FeatureInputException("$", $"Expected a JSON object with a field per input, got {Describe(row.ValueKind)}.");
        }

        Span<bool> seen = _inputs.Length <= StackChars ? stackalloc bool[_inputs.Length] : new bool[_inputs.Length];
        foreach (var property in row.EnumerateObject())
        {
            var index = FindInput(property);
            if (index < 0)
            {
                if (allowUnknownFields)
                {
                    continue;
                }

                throw new FeatureInputException(property.Name, $"Unknown field '{property.Name}'. The inputs are: {ListNames(_inputs.Select(i => i.Name))}.");
            }

            var input = _inputs[index];
            if (seen[index])
            {
                throw new FeatureInputException(input.Name, $"Field '{input.Name}' appears more than once.");
            }

            seen[index] = true;
            WriteJsonValue(input, property.Value, destination.Slice(_offsets[index], input.Width));
        }

        if (seen.Contains(false))
        {
            var missing = new List<string>();
            for (var i = 0; i < _inputs.Length; i++)
            {
                if (!seen[i])
                {
                    missing.Add(_inputs[i].Name);
                }
            }

            throw new FeatureInputException(
                missing[0],
                missing.Count == 1
                    ? $"Field '{missing[0]}' is missing; send null if its value is unknown."
                    : $"Fields {ListNames(missing.Select(n => $"'{n}'"))} are missing; send null for a value that is unknown.");
        }
    }

    /// <summary>Finds the inputs among the columns of a file (a reader's <see cref="IRecordReader.Columns"/>); other columns are ignored.</summary>
    /// <exception cref="FeatureInputException">Some inputs have no column; the message names them all.</exception>
    public RowBinding Bind(IReadOnlyList<string> columnNames)
    {
        ArgumentNullException.ThrowIfNull(columnNames);
        var positions = new Dictionary<string, int>(columnNames.Count, StringComparer.Ordinal);
        for (var i = 0; i < columnNames.Count; i++)
        {
            positions.TryAdd(columnNames[i], i);
        }

        var indexes = new int[_inputs.Length];
        var missing = new List<string>();
        for (var i = 0; i < _inputs.Length; i++)
        {
            if (!positions.TryGetValue(_inputs[i].Name, out indexes[i]))
            {
                missing.Add(_inputs[i].Name);
            }
        }

        if (missing.Count > 0)
        {
            throw new FeatureInputException(
                missing[0],
                $"The input has no column for {(missing.Count == 1 ? "the feature" : "the features")} {ListNames(missing.Select(n => $"'{n}'"))}. " +
                $"Its columns are: {ListNames(columnNames)}.");
        }

        return new RowBinding(this, indexes);
    }

    /// <summary>Featurizes one record of a file; allocates nothing.</summary>
    /// <param name="binding">From <see cref="Bind"/> on this pipeline, for the reader that produced <paramref name="record"/>.</param>
    /// <param name="destination">At least <see cref="OutputLength"/> values.</param>
    /// <exception cref="FeatureInputException">A value does not fit its input (a numeric input that is not a number); names the field and line.</exception>
    public void TransformRecord(RowBinding binding, DataRecord record, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(record);
        if (binding.Pipeline != this)
        {
            throw new ArgumentException("The binding was made by another pipeline.", nameof(binding));
        }

        CheckDestination(destination);
        for (var i = 0; i < _inputs.Length; i++)
        {
            var input = _inputs[i];
            var index = binding[i];
            var value = index < record.FieldCount ? record.GetField(index) : default;
            if (!input.WriteText(value, destination.Slice(_offsets[i], input.Width)))
            {
                throw new FeatureInputException(input.Name, $"Field '{input.Name}' must be {input.Expected}; {DataValues.Quote(value)} is not.", record.LineNumber);
            }
        }
    }

    /// <summary>What the pipeline does and what training taught it, for the model manifest and drift checks.</summary>
    public FeaturizationDescription Describe() => new(
        Options.Standardize,
        Options.MaxCategories,
        Options.TextHashBits,
        Options.TextBigrams,
        TrainingRowCount,
        OutputLength,
        [.. _inputs.Select((input, i) => input.Describe(_offsets[i]))]);

    /// <summary>Writes the pipeline; <see cref="Read"/> restores one that gives identical outputs.</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatName);
        writer.Write(FormatVersion);
        writer.Write(Options.Standardize);
        writer.Write(Options.MaxCategories);
        writer.Write(Options.TextHashBits);
        writer.Write(Options.TextBigrams);
        writer.Write(TrainingRowCount);
        writer.Write(_inputs.Length);
        foreach (var input in _inputs)
        {
            writer.Write(input.Name);
            writer.Write((byte)input.Kind);
            writer.Write(input.MissingShare);
            input.WriteBody(writer);
        }
    }

    /// <exception cref="InvalidDataException">The data is not a pipeline written by <see cref="Write"/>, or is damaged.</exception>
    public static FeaturePipeline Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            return ReadCore(reader);
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"The stored featurization is not valid: {ex.Message}", ex);
        }
    }

    private static FeaturePipeline ReadCore(BinaryReader reader)
    {
        if (reader.ReadString() != FormatName)
        {
            throw new InvalidDataException("The data is not a stored featurization.");
        }

        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"The stored featurization has format version {version}; this engine reads version {FormatVersion}.");
        }

        var options = new FeaturizerOptions
        {
            Standardize = reader.ReadBoolean(),
            MaxCategories = reader.ReadInt32(),
            TextHashBits = reader.ReadInt32(),
            TextBigrams = reader.ReadBoolean(),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException($"The stored featurization is not valid: {ex.Message}", ex);
        }

        var trainingRowCount = reader.ReadInt32();
        var count = reader.ReadInt32();
        if (trainingRowCount < 0 || count is < 1 or > MaxInputs)
        {
            throw new InvalidDataException($"The stored featurization is not valid: {count} inputs, {trainingRowCount} training rows.");
        }

        var inputs = new InputFeaturizer[count];
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var kind = (ColumnKind)reader.ReadByte();
            var missingShare = reader.ReadDouble();
            ModelData.Check(!string.IsNullOrWhiteSpace(name), $"#{i + 1}", "no name");
            ModelData.CheckShare(missingShare, name);
            inputs[i] = kind switch
            {
                ColumnKind.Numeric => NumericFeaturizer.ReadBody(reader, name, missingShare),
                ColumnKind.Categorical => CategoricalFeaturizer.ReadBody(reader, name, missingShare, options.MaxCategories),
                ColumnKind.Text => TextFeaturizer.ReadBody(reader, name, missingShare),
                _ => throw new InvalidDataException($"The stored featurization is not valid: input '{name}' has unknown kind {(int)kind}."),
            };
            ModelData.Check(inputs[i] is not NumericFeaturizer numeric || numeric.Standardize == options.Standardize, name, "a scaling that disagrees with the options");
        }

        return new FeaturePipeline(options, inputs, trainingRowCount);
    }

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length < OutputLength)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; the pipeline writes {OutputLength}.", nameof(destination));
        }
    }

    private int FindInput(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return _utf8Names.Find(raw);
        }

        // An escaped name ("\u0061ge") is rare; unescaping it allocates.
        return _inputIndex.TryGetValue(property.Name, out var index) ? index : -1;
    }

    private static void WriteJsonValue(InputFeaturizer input, JsonElement value, Span<float> destination)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                input.WriteText(default, destination);
                return;
            case JsonValueKind.True:
                input.WriteText("1", destination);
                return;
            case JsonValueKind.False:
                input.WriteText("0", destination);
                return;
            case JsonValueKind.Number:
            case JsonValueKind.String:
                break;
            default:
                throw new FeatureInputException(input.Name, $"Field '{input.Name}' must be {input.Expected}, not {Describe(value.ValueKind)}.");
        }

        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (value.ValueKind == JsonValueKind.String)
        {
            raw = raw[1..^1];
            if (raw.IndexOf((byte)'\\') >= 0)
            {
                WriteJsonText(input, value.GetString(), destination);
                return;
            }
        }

        if (raw.Length > StackChars)
        {
            WriteJsonText(input, Encoding.UTF8.GetString(raw), destination);
            return;
        }

        Span<char> chars = stackalloc char[StackChars];
        WriteJsonText(input, chars[..Encoding.UTF8.GetChars(raw, chars)], destination);
    }

    private static void WriteJsonText(InputFeaturizer input, ReadOnlySpan<char> text, Span<float> destination)
    {
        if (!input.WriteText(text, destination))
        {
            throw new FeatureInputException(input.Name, $"Field '{input.Name}' must be {input.Expected}; {DataValues.Quote(text)} is not.");
        }
    }

    private static DataColumn ColumnOf(DataTable table, string name) =>
        table.TryGetColumn(name, out var column)
            ? column
            : throw new FeatureInputException(name, $"The data has no column '{name}'. Its columns are: {ListNames(table.Columns.Select(c => c.Name))}.");

    private static ReadOnlySpan<float> NumbersOf(DataColumn column)
    {
        if (column.Numbers is { } numbers)
        {
            return numbers;
        }

        var strings = column.Strings!;
        var parsed = new float[strings.Length];
        for (var row = 0; row < strings.Length; row++)
        {
            if (DataValues.ClassifyNumber(strings[row], out parsed[row]) == NumberClass.Invalid)
            {
                throw new FeatureInputException(column.Name, $"Row {row + 1}: field '{column.Name}' must be a number; {DataValues.Quote(strings[row])} is not.");
            }
        }

        return parsed;
    }

    private static Dictionary<string, int> CountCategories(DataColumn column)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[32];
        for (var row = 0; row < column.Length; row++)
        {
            var value = CellText(column, row, buffer).Trim();
            if (DataValues.IsMissing(value))
            {
                continue;
            }

            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, value, out _);
            count++;
        }

        return counts;
    }

    private static TextFeaturizer FitText(DataColumn column, int rowCount, FeaturizerOptions options)
    {
        string? first = null;
        var missing = 0;
        Span<char> buffer = stackalloc char[32];
        for (var row = 0; row < column.Length; row++)
        {
            var value = CellText(column, row, buffer);
            if (DataValues.IsMissing(value))
            {
                missing++;
            }
            else
            {
                first ??= value.ToString();
            }
        }

        return TextFeaturizer.Fit(column.Name, first, missing, rowCount, options.TextHashBits, options.TextBigrams);
    }

    /// <summary>A cell as text: a string as is, a number in its shortest invariant form, missing as empty.</summary>
    private static ReadOnlySpan<char> CellText(DataColumn column, int row, Span<char> buffer)
    {
        if (column.Strings is { } strings)
        {
            return strings[row];
        }

        var number = column.Numbers![row];
        if (float.IsNaN(number))
        {
            return default;
        }

        number.TryFormat(buffer, out var written, provider: CultureInfo.InvariantCulture);
        return buffer[..written];
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string ListNames(IEnumerable<string> names)
    {
        var list = names.Take(MaxNamesInMessage + 1).ToList();
        return list.Count > MaxNamesInMessage
            ? string.Join(", ", list.Take(MaxNamesInMessage)) + ", ..."
            : string.Join(", ", list);
    }
}
