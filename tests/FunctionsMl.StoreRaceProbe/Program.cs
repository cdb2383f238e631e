// Races the file-system store from a separate process. Every mode prints "ready" once set up and,
// where it races, waits for "go" on standard input so that all probes start together.
using System.Globalization;
using System.Text;
using FunctionsMl.Serving.Storage;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: <increment|create|hang-write|hold-locks> <store root> ...");
    return 2;
}

string mode = args[0];
string root = args[1];

switch (mode)
{
    case "increment":
        {
            // increment <root> <path> <count>: adds 1 to the number stored at path, count times, by compare-and-swap.
            IObjectStore store = Open(root);
            string path = args[2];
            int count = int.Parse(args[3], CultureInfo.InvariantCulture);
            await ReadyAsync();
            int conflicts = 0;
            for (int done = 0; done < count;)
            {
                StoredObject? current = await store.ReadAsync(path);
                int value = current is null ? 0 : int.Parse(Encoding.UTF8.GetString(current.Content.Span), CultureInfo.InvariantCulture);
                byte[] next = Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture));
                try
                {
                    await store.WriteAsync(path, next, current is null ? WriteCondition.IfNoneMatch : WriteCondition.IfMatch(current.ETag));
                    done++;
                }
                catch (PreconditionFailedException)
                {
                    conflicts++;
                }
            }

            Console.WriteLine($"done {conflicts}");
            return 0;
        }

    case "create":
        {
            // create <root> <prefix> <count>: tries to create prefix/item-0..count-1, printing each one won.
            IObjectStore store = Open(root);
            string prefix = args[2];
            int count = int.Parse(args[3], CultureInfo.InvariantCulture);
            await ReadyAsync();
            byte[] me = Encoding.UTF8.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            for (int i = 0; i < count; i++)
            {
                string path = $"{prefix}/item-{i}";
                try
                {
                    await store.WriteAsync(path, me, WriteCondition.IfNoneMatch);
                    Console.WriteLine($"won {path}");
                }
                catch (PreconditionFailedException)
                {
                }
            }

            Console.WriteLine("done");
            return 0;
        }

    case "hang-write":
        {
            // hang-write <root> <path> <bytes>: streams half the bytes into a write, says so, then hangs until killed.
            IObjectStore store = Open(root);
            string path = args[2];
            int bytes = int.Parse(args[3], CultureInfo.InvariantCulture);
            await store.WriteAsync(path, new HangingStream(bytes), WriteCondition.None);
            Console.Error.WriteLine("the hanging write completed, which it must not");
            return 1;
        }

    case "hold-locks":
        {
            // hold-locks <root>: holds every lock stripe of the store the way a writer would, until killed.
            Open(root);
            var held = new List<FileStream>();
            foreach (string lockFile in Directory.GetFiles(Path.Combine(root, ".locks"), "*.lock"))
            {
                held.Add(new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None));
            }

            for (int stripe = 0; stripe < 64; stripe++)
            {
                string lockFile = Path.Combine(root, ".locks", $"{stripe:d2}.lock");
                if (!held.Any(h => h.Name == lockFile))
                {
                    held.Add(new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
            }

            Console.WriteLine("locked");
            await Console.In.ReadToEndAsync();
            GC.KeepAlive(held);
            return 0;
        }

    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}

static FileSystemObjectStore Open(string root) => new(new FileSystemObjectStoreOptions { RootDirectory = root, FlushToDisk = false });

static async Task ReadyAsync()
{
    Console.WriteLine("ready");
    string? go = await Console.In.ReadLineAsync();
    if (go != "go")
    {
        throw new InvalidOperationException($"expected 'go', got '{go}'");
    }
}

/// <summary>Yields half its length, prints "writing", then never yields again.</summary>
internal sealed class HangingStream(int length) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        await ReadAsync(buffer.AsMemory(offset, count), cancellationToken);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length / 2)
        {
            Console.WriteLine("writing");
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        int n = Math.Min(buffer.Length, (length / 2) - _position);
        buffer.Span[..n].Fill((byte)'x');
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
