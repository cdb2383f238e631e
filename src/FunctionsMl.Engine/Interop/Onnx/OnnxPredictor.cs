using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// An ONNX model served as an <see cref="IPredictor"/>: features are written into the graph inputs, only the steps
/// the served output needs run, and the output is read back (a one-column binary output as [1 − p, p]). One-row
/// prediction runs on a pooled workspace and allocates nothing. The model file keeps the original ONNX bytes and the
/// serving choices; loading compiles them again.
/// </summary>
internal sealed class OnnxPredictor : IPredictor
{
    private const int FormatVersion = 1;
    private const int BatchRows = 256;
    private const int ParallelBatchRows = 8 * 1024;

    private readonly OnnxKernel[] _steps;
    private readonly (OnnxValue Value, int Offset, int Width)[] _inputs;
    private readonly WorkspacePool _single;
    private readonly WorkspacePool _batch;

    private OnnxPredictor(OnnxModel model, OnnxServing serving, byte[] source)
    {
        Model = model;
        Serving = serving;
        Source = source;
        var offset = 0;
        _inputs = [.. model.Plan.Inputs.Select(input =>
        {
            var width = (int)input.Shape.RowWidth;
            var entry = (input, offset, width);
            offset += width;
            return entry;
        })];
        FeatureCount = offset;
        OutputCount = serving.Task == ModelTask.Binary ? 2 : serving.Columns;
        _steps = model.Plan.StepsFor([serving.Output]);
        _single = new WorkspacePool(model.Plan.Values, 1);
        _batch = new WorkspacePool(model.Plan.Values, BatchRows);
    }

    public string Kind => "onnx";

    public ModelTask Task => Serving.Task;

    public int FeatureCount { get; }

    public int OutputCount { get; }

    public OnnxModel Model { get; }

    public OnnxServing Serving { get; }

    public byte[] Source { get; }

    /// <exception cref="ModelImportException">The model cannot be served as asked; the message names why.</exception>
    public static OnnxPredictor Create(byte[] source, ModelTask? task, string? output)
    {
        var model = OnnxModel.Load(source);
        return new OnnxPredictor(model, OnnxServing.Resolve(model, task, output), source);
    }

    public void Predict(ReadOnlySpan<float> features, Span<float> output)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.Length}.", nameof(features));
        }

        if (output.Length < OutputCount)
        {
            throw new ArgumentException($"Expected room for {OutputCount} outputs, got {output.Length}.", nameof(output));
        }

        var workspace = _single.Rent();
        try
        {
            WriteInputs(workspace, features, 1);
            Run(workspace, 1);
            ReadOutput(workspace, output, 1);
        }
        finally
        {
            _single.Return(workspace);
        }
    }

    public void PredictBatch(FeatureMatrix features, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.ColumnCount != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features, got {features.ColumnCount}.", nameof(features));
        }

        if (output.Length < (long)features.RowCount * OutputCount)
        {
            throw new ArgumentException($"Expected room for {features.RowCount * (long)OutputCount} outputs, got {output.Length}.", nameof(output));
        }

        var chunks = (features.RowCount + BatchRows - 1) / BatchRows;
        if (features.RowCount < ParallelBatchRows || Environment.ProcessorCount == 1)
        {
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                PredictChunk(features, chunk, output);
            }

            return;
        }

        // A span cannot enter a lambda; a pinned pointer can, and the batch waits for every chunk.
        unsafe
        {
            fixed (float* pointer = output)
            {
                var address = (nint)pointer;
                var length = output.Length;
                Parallel.For(0, chunks, chunk => PredictChunk(features, chunk, new Span<float>((void*)address, length)));
            }
        }
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        writer.Write((int)Serving.Task);
        writer.Write(Serving.Output.Name);
        writer.Write(Source.Length);
        writer.Write(Source);
    }

    public static OnnxPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"The stored ONNX model has format version {version}; this engine reads version {FormatVersion}.");
        }

        var task = (ModelTask)reader.ReadInt32();
        if (!Enum.IsDefined(task))
        {
            throw new InvalidDataException($"The stored ONNX model has an unknown task {(int)task}.");
        }

        var output = reader.ReadString();
        var source = SourceBytes.Read(reader);
        try
        {
            return Create(source, task, output);
        }
        catch (ModelImportException ex)
        {
            throw new InvalidDataException($"The stored ONNX model no longer imports: {ex.Message}", ex);
        }
    }

    private void PredictChunk(FeatureMatrix features, int chunk, Span<float> output)
    {
        var first = chunk * BatchRows;
        var rows = Math.Min(BatchRows, features.RowCount - first);
        var workspace = _batch.Rent();
        try
        {
            WriteInputs(workspace, features.Values.AsSpan(first * FeatureCount, rows * FeatureCount), rows);
            Run(workspace, rows);
            ReadOutput(workspace, output.Slice(first * OutputCount, rows * OutputCount), rows);
        }
        finally
        {
            _batch.Return(workspace);
        }
    }

    private void Run(OnnxWorkspace workspace, int rows)
    {
        foreach (var step in _steps)
        {
            step.Run(workspace, rows);
        }
    }

    /// <summary>Splits each row's features over the graph inputs; integer inputs take the value truncated (missing as 0), boolean ones true for non-zero.</summary>
    private void WriteInputs(OnnxWorkspace workspace, ReadOnlySpan<float> features, int rows)
    {
        foreach (var (value, offset, width) in _inputs)
        {
            var buffer = workspace.Buffers[value.Slot];
            for (var row = 0; row < rows; row++)
            {
                var source = features.Slice((row * FeatureCount) + offset, width);
                var start = row * width;
                switch (buffer)
                {
                    case float[] f:
                        source.CopyTo(f.AsSpan(start, width));
                        break;
                    case double[] d:
                        for (var i = 0; i < width; i++)
                        {
                            d[start + i] = source[i];
                        }

                        break;
                    case long[] l:
                        for (var i = 0; i < width; i++)
                        {
                            l[start + i] = float.IsNaN(source[i]) ? 0 : (long)source[i];
                        }

                        break;
                    case bool[] b:
                        for (var i = 0; i < width; i++)
                        {
                            b[start + i] = source[i] != 0 && !float.IsNaN(source[i]);
                        }

                        break;
                }
            }
        }
    }

    private void ReadOutput(OnnxWorkspace workspace, Span<float> output, int rows)
    {
        var columns = Serving.Columns;
        var buffer = workspace.Buffers[Serving.Output.Slot];
        for (var row = 0; row < rows; row++)
        {
            for (var c = 0; c < columns; c++)
            {
                var value = buffer is float[] f ? f[(row * columns) + c] : (float)((double[])buffer)[(row * columns) + c];
                if (Serving.ExpandBinary)
                {
                    output[row * 2] = 1 - value;
                    output[(row * 2) + 1] = value;
                }
                else
                {
                    output[(row * columns) + c] = value;
                }
            }
        }
    }
}
