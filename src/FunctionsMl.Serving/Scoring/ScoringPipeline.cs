using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Serving.Scoring;

/// <summary>How many rows a file had and what became of them: <c>Rows == Scored + Rejected</c>.</summary>
public sealed record ScoringCounts(long Rows, long Scored, long Rejected);

/// <summary>
/// Scores one file's records in blocks, in order, with bounded memory: one task reads and featurizes (the reader is
/// sequential), several workers predict and format, and the consumer takes finished blocks in input order.
/// </summary>
/// <remarks>
/// <para>
/// Memory is a fixed number of recycled blocks (workers + 2), whatever the file size. Rows that cannot be featurized
/// are written to <see cref="RejectedRows"/> by the reading task, so they leave the block stream and the scored output
/// keeps the input's order.
/// </para>
/// <para>
/// A record after which the reader loses the record boundaries (<see cref="IRecordReader.IsFaulted"/>) fails the
/// whole file with <see cref="UnscorableFileException"/>: the rows after it could be neither scored nor counted.
/// </para>
/// </remarks>
internal sealed class ScoringPipeline : IAsyncDisposable
{
    private readonly IRecordReader _reader;
    private readonly FeaturePipeline _featurizer;
    private readonly RowBinding _binding;
    private readonly ScoredRowFormat _format;
    private readonly TrainedModel _model;
    private readonly RejectedRows _rejects;
    private readonly int _workers;
    private readonly Channel<ScoringBlock> _free;
    private readonly Channel<ScoringBlock> _work = Channel.CreateUnbounded<ScoringBlock>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<ScoringBlock> _order = Channel.CreateUnbounded<ScoringBlock>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ReservedKeys? _reservedKeys;
    private Task _running = Task.CompletedTask;
    private CancellationTokenRegistration _callerCancellation;
    private Exception? _fault;
    private long _scored;

    /// <exception cref="UnscorableFileException">The model's inputs are not all among the reader's columns, or an input column is named like an output column.</exception>
    public ScoringPipeline(IRecordReader reader, DataFormat format, TrainedModel model, string version, RejectedRows rejects, FileScoringOptions options)
    {
        _reader = reader;
        _model = model;
        _featurizer = model.Pipeline;
        _rejects = rejects;
        _format = ScoredRowFormat.Create(format, model.Manifest, version);
        try
        {
            _binding = _featurizer.Bind(reader.Columns);
        }
        catch (FeatureInputException ex)
        {
            throw new UnscorableFileException(ScoringFailureKind.WrongColumns, ex.Message, innerException: ex);
        }

        if (format == DataFormat.Csv)
        {
            var clash = reader.Columns.Intersect(_format.OutputColumns, StringComparer.Ordinal).FirstOrDefault();
            if (clash is not null)
            {
                throw new UnscorableFileException(
                    ScoringFailureKind.WrongColumns,
                    $"The input has a column '{clash}', which scoring adds to the output ({string.Join(", ", _format.OutputColumns)}). Rename or remove it.");
            }

            Header = _format.Header(reader.Columns);
        }
        else
        {
            // JSON lines learn their keys as they go; rows that carry an output key are rejected one by one.
            _reservedKeys = new ReservedKeys(_format.OutputColumns);
            Header = [];
        }

        _workers = options.EffectiveWorkers;
        var blocks = _workers + 2;
        _free = Channel.CreateBounded<ScoringBlock>(blocks);
        for (var i = 0; i < blocks; i++)
        {
            _free.Writer.TryWrite(new ScoringBlock(options.BlockRows, model.FeatureCount, model.OutputCount));
        }
    }

    /// <summary>What precedes the first block: the CSV header, or nothing.</summary>
    public byte[] Header { get; }

    /// <summary>The final counts; valid once <see cref="NextAsync"/> has returned null.</summary>
    public ScoringCounts Counts => new(_scored + _rejects.Count, _scored, _rejects.Count);

    public void Start(CancellationToken cancellationToken)
    {
        _callerCancellation = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _stop);
        var tasks = new Task[_workers + 1];
        tasks[0] = Task.Factory.StartNew(Produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        for (var i = 1; i < tasks.Length; i++)
        {
            tasks[i] = Task.Run(WorkAsync, CancellationToken.None);
        }

        _running = Task.WhenAll(tasks);
    }

    /// <summary>The next scored block in input order, or null after the last. Give it back with <see cref="Return"/>.</summary>
    /// <exception cref="UnscorableFileException">The file turned out unreadable part way.</exception>
    public async ValueTask<ScoringBlock?> NextAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            if (!await _order.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                ThrowIfFaulted();
                return null;
            }

            var block = await _order.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            await block.Ready.WaitAsync(linked.Token).ConfigureAwait(false);
            return block;
        }
        catch (Exception ex) when (_fault is not null && ex is OperationCanceledException or ChannelClosedException)
        {
            ThrowIfFaulted();
            throw;
        }
    }

    public void Return(ScoringBlock block) => _free.Writer.TryWrite(block);

    public async ValueTask DisposeAsync()
    {
        await _callerCancellation.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _running.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Failures were recorded in _fault and reported by NextAsync.
        }

        _stop.Dispose();
    }

    /// <summary>The reading task: records into blocks, rejected rows aside, until the input ends.</summary>
    private void Produce()
    {
        try
        {
            var token = _stop.Token;
            var more = true;
            while (more)
            {
                var block = ReadFree(token);
                block.Reset();
                more = Fill(block);
                token.ThrowIfCancellationRequested();
                if (block.Rows == 0)
                {
                    Return(block);
                    continue;
                }

                _work.Writer.TryWrite(block);
                _order.Writer.TryWrite(block);
            }

            _work.Writer.TryComplete();
            _order.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private ScoringBlock ReadFree(CancellationToken token)
    {
        if (_free.Reader.TryRead(out var block))
        {
            return block;
        }

        // The reader runs on its own thread (its input is read synchronously), so it may block here.
        return _free.Reader.ReadAsync(token).AsTask().GetAwaiter().GetResult();
    }

    /// <returns>False when the input has ended.</returns>
    private bool Fill(ScoringBlock block)
    {
        while (block.Rows < block.Capacity)
        {
            DataRecord? record;
            try
            {
                if (!_reader.TryRead(out record))
                {
                    return false;
                }
            }
            catch (DataFormatException ex)
            {
                if (_reader.IsFaulted)
                {
                    throw new UnscorableFileException(
                        ScoringFailureKind.UnreadableData, $"{ex.Reason} The rest of the file cannot be read, so none of it was scored.", ex.LineNumber, ex);
                }

                _rejects.Add(ex.LineNumber ?? 0, ex.Column, ex.Reason, default);
                continue;
            }

            if (_reservedKeys is not null && _reservedKeys.FindIn(_reader.Columns, record.RawText) is { } key)
            {
                _rejects.Add(record.LineNumber, key, $"The row has a field '{key}', which scoring adds to the output; rename or remove it.", record.RawText);
                continue;
            }

            try
            {
                _featurizer.TransformRecord(_binding, record, block.NextFeatures());
            }
            catch (FeatureInputException ex)
            {
                _rejects.Add(record.LineNumber, ex.Field, WithoutLine(ex), record.RawText);
                continue;
            }

            block.Commit(record.RawText);
            _scored++;
        }

        return true;
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var block in _work.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    Score(block);
                    block.MarkReady();
                }
                catch (Exception ex)
                {
                    block.MarkFailed(ex);
                    throw;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void Score(ScoringBlock block)
    {
        _model.Predictor.PredictBatch(block.Features(), block.Outputs);
        var width = _model.OutputCount;
        for (var row = 0; row < block.Rows; row++)
        {
            _format.WriteRow(block.Text(row), block.Outputs.AsSpan(row * width, width), block.Output);
        }
    }

    private void Fail(Exception exception)
    {
        // A cancellation caused by an earlier failure is not the story; the failure is.
        if (exception is OperationCanceledException && _stop.IsCancellationRequested)
        {
            _order.Writer.TryComplete();
            return;
        }

        Interlocked.CompareExchange(ref _fault, exception, null);
        _stop.Cancel();
        _order.Writer.TryComplete();
        _work.Writer.TryComplete();
    }

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            ExceptionDispatchInfo.Throw(fault);
        }
    }

    /// <summary>The message without the "Line N: " the engine prefixes; the rejected-rows file has its own column for it.</summary>
    private static string WithoutLine(FeatureInputException ex)
    {
        var prefix = $"Line {ex.LineNumber}: ";
        return ex.LineNumber is not null && ex.Message.StartsWith(prefix, StringComparison.Ordinal) ? ex.Message[prefix.Length..] : ex.Message;
    }

    /// <summary>
    /// Finds JSON-lines rows that carry a key scoring writes. Cheap until such a key has appeared in the file: only
    /// then is each row's text parsed for it.
    /// </summary>
    private sealed class ReservedKeys(IReadOnlyList<string> names)
    {
        private readonly HashSet<string> _names = new(names, StringComparer.Ordinal);
        private readonly List<string> _seen = [];
        private int _columnsChecked;
        private byte[] _utf8 = [];

        public string? FindIn(IReadOnlyList<string> columns, ReadOnlySpan<char> record)
        {
            for (; _columnsChecked < columns.Count; _columnsChecked++)
            {
                if (_names.Contains(columns[_columnsChecked]))
                {
                    _seen.Add(columns[_columnsChecked]);
                }
            }

            return _seen.Count == 0 ? null : FindKey(record);
        }

        private string? FindKey(ReadOnlySpan<char> record)
        {
            var length = Encoding.UTF8.GetMaxByteCount(record.Length);
            if (_utf8.Length < length)
            {
                _utf8 = new byte[length];
            }

            var reader = new Utf8JsonReader(_utf8.AsSpan(0, Encoding.UTF8.GetBytes(record, _utf8)));
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    foreach (var name in _seen)
                    {
                        if (reader.ValueTextEquals(name))
                        {
                            return name;
                        }
                    }
                }
            }

            return null;
        }
    }
}

/// <summary>The scored output as a read-only stream: the header, then each block in order, produced as it is read.</summary>
/// <remarks>
/// Handing the store a stream lets it write the output straight into its temporary object, committed atomically when
/// the stream ends, without a second copy on local disk; <see cref="CopyToAsync(Stream, int, CancellationToken)"/>
/// writes each block's buffer directly. An error in the pipeline surfaces as an exception from the read, which
/// makes the store abandon the write.
/// </remarks>
internal sealed class ScoredOutputStream(ScoringPipeline pipeline) : Stream
{
    private ReadOnlyMemory<byte> _pending = pipeline.Header;
    private ScoringBlock? _current;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        if (!_pending.IsEmpty)
        {
            await destination.WriteAsync(_pending, cancellationToken).ConfigureAwait(false);
            _pending = default;
        }

        ReturnCurrent();
        while (!_ended && await pipeline.NextAsync(cancellationToken).ConfigureAwait(false) is { } block)
        {
            try
            {
                await destination.WriteAsync(block.Output.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                pipeline.Return(block);
            }
        }

        _ended = true;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty)
        {
            ReturnCurrent();
            if (_ended || await pipeline.NextAsync(cancellationToken).ConfigureAwait(false) is not { } block)
            {
                _ended = true;
                return 0;
            }

            _current = block;
            _pending = block.Output.WrittenMemory;
        }

        var count = Math.Min(buffer.Length, _pending.Length);
        _pending[..count].CopyTo(buffer);
        _pending = _pending[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void ReturnCurrent()
    {
        if (_current is not null)
        {
            pipeline.Return(_current);
            _current = null;
        }
    }
}
