namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Splits rows into chunks whose number depends only on the data's shape, never on the thread count.
/// Each chunk sums into its own slot and the slots are added in chunk order, so a sum over rows is the
/// same bit for bit whether one thread or many computed it.
/// </summary>
internal sealed class RowChunks
{
    private const int MinRowsPerChunk = 512;
    private const int MaxChunks = 64;

    /// <summary>Upper bound on the memory all chunks' partial results may take together.</summary>
    private const long PartialBudgetBytes = 64L << 20;

    private readonly int _rowCount;
    private readonly ParallelOptions _parallel;

    /// <param name="partialLength">Doubles each chunk accumulates into, which caps the chunk count.</param>
    public RowChunks(int rowCount, int partialLength, int threads)
    {
        _rowCount = rowCount;
        var byRows = (rowCount + MinRowsPerChunk - 1) / MinRowsPerChunk;
        var byMemory = PartialBudgetBytes / (Math.Max(1L, partialLength) * sizeof(double));
        Count = (int)Math.Max(1, Math.Min(Math.Min(byRows, MaxChunks), byMemory));
        Threads = Math.Max(1, threads);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = Threads };
    }

    public int Count { get; }

    public int Threads { get; }

    public int Start(int chunk) => (int)((long)_rowCount * chunk / Count);

    public int End(int chunk) => (int)((long)_rowCount * (chunk + 1) / Count);

    /// <summary>Runs <paramref name="body"/> once per chunk, on up to <see cref="Threads"/> threads.</summary>
    public void Run(Action<int> body)
    {
        if (Threads == 1 || Count == 1)
        {
            for (var chunk = 0; chunk < Count; chunk++)
            {
                body(chunk);
            }

            return;
        }

        Parallel.For(0, Count, _parallel, body);
    }

    /// <summary>Adds the chunks' partial vectors, in chunk order, into <paramref name="total"/>.</summary>
    public static void Reduce(double[] partials, int partialLength, int count, Span<double> total)
    {
        total.Clear();
        for (var chunk = 0; chunk < count; chunk++)
        {
            VectorMath.AddScaled(1.0, partials.AsSpan(chunk * partialLength, partialLength), total);
        }
    }
}
