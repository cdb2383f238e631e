using System.Buffers;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// A block of rows on its way through the scoring pipeline: their features and their text as written, filled by the
/// reader; their outputs and scored lines, filled by a worker. Blocks are recycled, so steady-state scoring allocates
/// nothing per row.
/// </summary>
internal sealed class ScoringBlock
{
    private readonly int _featureCount;
    private readonly FeatureMatrix _full;
    private char[] _text = new char[64 * 1024];
    private readonly int[] _textEnds;
    private int _textLength;
    private TaskCompletionSource _ready = NewReady();

    public ScoringBlock(int capacity, int featureCount, int outputCount)
    {
        Capacity = capacity;
        _featureCount = featureCount;
        _full = new FeatureMatrix(capacity, featureCount);
        Outputs = new float[capacity * outputCount];
        _textEnds = new int[capacity];
    }

    public int Capacity { get; }

    /// <summary>Rows in the block: every one featurized without error.</summary>
    public int Rows { get; private set; }

    public float[] Outputs { get; }

    /// <summary>The scored lines of the block, in the output file's encoding.</summary>
    public ArrayBufferWriter<byte> Output { get; } = new(256 * 1024);

    /// <summary>Completes when <see cref="Output"/> is ready to be written.</summary>
    public Task Ready => _ready.Task;

    public void Reset()
    {
        Rows = 0;
        _textLength = 0;
        Output.ResetWrittenCount();
        _ready = NewReady();
    }

    /// <summary>Where the next row's features go.</summary>
    public Span<float> NextFeatures() => _full.Values.AsSpan(Rows * _featureCount, _featureCount);

    /// <summary>Keeps the row whose features were just written to <see cref="NextFeatures"/>, with its text as written.</summary>
    public void Commit(ReadOnlySpan<char> text)
    {
        if (_textLength + text.Length > _text.Length)
        {
            Array.Resize(ref _text, Math.Max(_textLength + text.Length, _text.Length * 2));
        }

        text.CopyTo(_text.AsSpan(_textLength));
        _textLength += text.Length;
        _textEnds[Rows++] = _textLength;
    }

    public ReadOnlySpan<char> Text(int row)
    {
        var start = row == 0 ? 0 : _textEnds[row - 1];
        return _text.AsSpan(start, _textEnds[row] - start);
    }

    /// <summary>The features of the block's rows as a matrix of exactly <see cref="Rows"/> rows.</summary>
    public FeatureMatrix Features() =>
        Rows == Capacity ? _full : new FeatureMatrix(_full.Values.AsSpan(0, Rows * _featureCount).ToArray(), Rows, _featureCount);

    public void MarkReady() => _ready.TrySetResult();

    public void MarkFailed(Exception exception) => _ready.TrySetException(exception);

    private static TaskCompletionSource NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
