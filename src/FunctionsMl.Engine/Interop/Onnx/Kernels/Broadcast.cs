namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>
/// Numpy-style multidirectional broadcasting of up to three inputs, resolved at load with the row count symbolic:
/// right-aligned dimensions must be equal or 1. At run time it yields per-dimension strides (0 where an input is
/// broadcast) so kernels walk all inputs with one odometer and no allocation.
/// </summary>
internal sealed class Broadcast
{
    public const int MaxRank = 8;

    private readonly Dim[] _output;
    private readonly Dim[][] _inputs;

    private Broadcast(Dim[] output, Dim[][] inputs)
    {
        _output = output;
        _inputs = inputs;
    }

    public TensorShape OutputShape => new(_output);

    public int Rank => _output.Length;

    /// <exception cref="ModelImportException">The shapes do not broadcast (for any row count).</exception>
    public static Broadcast Create(NodeContext context, params TensorShape[] shapes)
    {
        var rank = shapes.Max(s => s.Rank);
        if (rank > MaxRank)
        {
            throw context.Error($"tensors of rank {rank} are not supported (at most {MaxRank}).");
        }

        var padded = shapes.Select(s => Enumerable.Repeat(Dim.Fixed(1), rank - s.Rank).Concat(s.Dims).ToArray()).ToArray();
        var output = new Dim[rank];
        for (var d = 0; d < rank; d++)
        {
            var result = Dim.Fixed(1);
            foreach (var shape in padded)
            {
                var dim = shape[d];
                if (dim.IsOne)
                {
                    continue;
                }

                if (!result.IsOne && result != dim)
                {
                    throw context.Error($"shapes {string.Join(" and ", shapes.Select(s => s.ToString()))} do not broadcast.");
                }

                result = dim;
            }

            output[d] = result;
        }

        return new Broadcast(output, padded);
    }

    /// <summary>True when input <paramref name="input"/> has exactly the output's shape (no broadcasting).</summary>
    public bool IsFull(int input) => _inputs[input].AsSpan().SequenceEqual(_output);

    /// <summary>Fills the output's dimensions and each input's strides for a batch of <paramref name="rows"/>.</summary>
    public void Resolve(int rows, Span<int> dims, Span<int> strides0, Span<int> strides1, Span<int> strides2)
    {
        for (var d = 0; d < _output.Length; d++)
        {
            dims[d] = (int)_output[d].At(rows);
        }

        Strides(0, rows, strides0);
        if (_inputs.Length > 1)
        {
            Strides(1, rows, strides1);
        }

        if (_inputs.Length > 2)
        {
            Strides(2, rows, strides2);
        }
    }

    private void Strides(int input, int rows, Span<int> strides)
    {
        var dims = _inputs[input];
        var stride = 1;
        for (var d = dims.Length - 1; d >= 0; d--)
        {
            var size = (int)dims[d].At(rows);
            strides[d] = size == 1 ? 0 : stride;
            stride *= size;
        }
    }
}
