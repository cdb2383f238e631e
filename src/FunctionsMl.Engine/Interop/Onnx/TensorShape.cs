namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>One dimension, known at load: a fixed size, or a multiple of the batch's row count.</summary>
internal readonly record struct Dim(long Size, bool PerRow)
{
    public static Dim Fixed(long size) => new(size, false);

    public static Dim Rows(long factor = 1) => new(factor, true);

    public long At(int rows) => PerRow ? Size * rows : Size;

    public bool IsOne => !PerRow && Size == 1;

    public override string ToString() => PerRow ? (Size == 1 ? "N" : $"{Size}N") : Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A shape inferred at load with the row count N left symbolic. At most one dimension depends on N, so every
/// value's length is <c>FixedCount</c> or <c>FixedCount · N</c> and buffers can be sized for any batch up front.
/// </summary>
internal sealed class TensorShape
{
    public TensorShape(params Dim[] dims)
    {
        if (dims.Count(d => d.PerRow) > 1)
        {
            throw new ModelImportException($"the shape [{string.Join(", ", dims)}] depends on the row count twice; only one dimension may grow with the batch.");
        }

        Dims = dims;
        long count = 1;
        foreach (var dim in dims)
        {
            if (dim.Size < 0)
            {
                throw new ModelImportException($"the shape [{string.Join(", ", dims)}] has a negative dimension.");
            }

            count = checked(count * dim.Size);
        }

        FixedCount = count;
        PerRow = dims.Any(d => d.PerRow);
    }

    public Dim[] Dims { get; }

    public int Rank => Dims.Length;

    /// <summary>The product of the dimensions' sizes (N counted as 1).</summary>
    public long FixedCount { get; }

    public bool PerRow { get; }

    public Dim this[int axis] => Dims[axis];

    public long Count(int rows) => PerRow ? FixedCount * rows : FixedCount;

    /// <summary>Elements per row when the first dimension is the rows: the width of a [N, ...] value.</summary>
    public long RowWidth => Rank == 0 ? 1 : Dims.Skip(1).Aggregate(1L, (a, d) => a * d.Size);

    public int NormalizeAxis(int axis, string attribute, int? rank = null)
    {
        var r = rank ?? Rank;
        var normalized = axis < 0 ? axis + r : axis;
        return normalized >= 0 && normalized < r
            ? normalized
            : throw new ModelImportException($"{attribute} = {axis} is out of range for a tensor of rank {r}.");
    }

    public bool SameAs(TensorShape other) => Dims.AsSpan().SequenceEqual(other.Dims);

    public override string ToString() => $"[{string.Join(", ", Dims)}]";
}
