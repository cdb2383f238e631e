using System.Security.Cryptography;
using System.Text;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Retraining;

/// <summary>Takes and reads data snapshots: exactly which training objects, at which versions.</summary>
internal static class TrainingDataReader
{
    /// <summary>Lists the model's training data and hashes each file, checking that it did not change while read.</summary>
    /// <exception cref="DataFormatException">There is no data file under <c>training/&lt;name&gt;/</c>.</exception>
    /// <exception cref="IOException">A file changed while it was being hashed (transient: the activity is retried).</exception>
    public static async Task<(DataSnapshot Snapshot, IReadOnlyList<string> Ignored)> SnapshotAsync(IObjectStore store, string model, CancellationToken cancellationToken)
    {
        string prefix = DefinitionPaths.TrainingData(model);
        var listed = new List<StoredObjectInfo>();
        var ignored = new List<string>();
        await foreach (StoredObjectInfo info in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (DataFormats.TryFromPath(info.Path, out _))
            {
                listed.Add(info);
            }
            else
            {
                ignored.Add(info.Path);
            }
        }

        if (listed.Count == 0)
        {
            throw new DataFormatException(
                $"There is no training data for model '{model}': no file ending in {string.Join(", ", DataFormats.Extensions)} under '{prefix}'. Publish the model folder, or add labelled rows there.",
                filePath: prefix);
        }

        var files = new List<SnapshotFile>(listed.Count);
        foreach (StoredObjectInfo info in listed)
        {
            Stream content = await store.OpenReadAsync(info.Path, cancellationToken).ConfigureAwait(false)
                ?? throw new IOException($"'{info.Path}' was deleted while the data snapshot was taken.");
            string sha256;
            await using (content.ConfigureAwait(false))
            {
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));
            }

            // The stream read one version; if the ETag still is the listed one, that version was the listed one.
            string? after = await store.GetETagAsync(info.Path, cancellationToken).ConfigureAwait(false);
            if (after != info.ETag)
            {
                throw new IOException($"'{info.Path}' changed while the data snapshot was taken.");
            }

            files.Add(new SnapshotFile(info.Path, info.ETag, info.Size, sha256));
        }

        return (new DataSnapshot(files, Fingerprint(files), files.Sum(f => f.Size)), ignored);
    }

    /// <summary>
    /// Reads exactly the snapshot's files into one table, in snapshot order. Each file's content is checked
    /// against the snapshot's hash; one that changed or disappeared fails the read.
    /// </summary>
    /// <exception cref="SnapshotChangedException">A file is no longer the version the snapshot saw.</exception>
    /// <exception cref="DataFormatException">The data is malformed; the message names the stored object.</exception>
    /// <exception cref="ModelDefinitionException">The definition's features name a column the data lacks.</exception>
    public static async Task<DataTable> ReadAsync(IObjectStore store, DataSnapshot snapshot, IReadOnlyDictionary<string, ColumnKind>? kinds, CancellationToken cancellationToken)
    {
        // The engine reads a set of files as one table (columns checked to agree, kinds inferred over all of
        // them), so the snapshot is copied to a private folder and read from there.
        string folder = Path.Combine(Path.GetTempPath(), "functionsml-train", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        try
        {
            var objectOf = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < snapshot.Files.Count; i++)
            {
                SnapshotFile file = snapshot.Files[i];
                string local = Path.Combine(folder, $"{i:d6}-{file.Path[(file.Path.LastIndexOf('/') + 1)..]}");
                objectOf[local] = file.Path;
                await CopyVerifiedAsync(store, file, local, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return DataLoader.Load(folder, new DataLoadOptions { ColumnKinds = kinds }, cancellationToken);
            }
            catch (DataFormatException e) when (e.FilePath is not null)
            {
                string where = objectOf.GetValueOrDefault(e.FilePath) ?? snapshot.Files[0].Path[..(snapshot.Files[0].Path.LastIndexOf('/') + 1)];
                throw new DataFormatException(e.Reason.Replace(folder, "the training data", StringComparison.Ordinal), e.LineNumber, e.Column, where, e);
            }
            catch (ArgumentException e) when (e.ParamName == "options" && kinds is not null)
            {
                // The engine words it for its own API; the user wrote "features".
                string detail = e.Message
                    .Replace("DataLoadOptions.ColumnKinds names", "names", StringComparison.Ordinal)
                    .Replace(" (Parameter 'options')", string.Empty, StringComparison.Ordinal);
                throw new ModelDefinitionException("features", detail);
            }
        }
        finally
        {
            TryDeleteFolder(folder);
        }
    }

    private static async Task CopyVerifiedAsync(IObjectStore store, SnapshotFile file, string local, CancellationToken cancellationToken)
    {
        string? before = await store.GetETagAsync(file.Path, cancellationToken).ConfigureAwait(false);
        Stream? content = before == file.ETag ? await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false) : null;
        if (content is null)
        {
            throw new SnapshotChangedException(file.Path, file.ETag, await store.GetETagAsync(file.Path, cancellationToken).ConfigureAwait(false));
        }

        string sha256;
        await using (content.ConfigureAwait(false))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var target = new FileStream(local, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (target.ConfigureAwait(false))
            {
                byte[] buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }

            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        // The ETag matched when the stream was opened; the hash rules out a write that landed in between.
        if (sha256 != file.Sha256)
        {
            throw new SnapshotChangedException(file.Path, file.ETag, await store.GetETagAsync(file.Path, cancellationToken).ConfigureAwait(false));
        }
    }

    private static string Fingerprint(IEnumerable<SnapshotFile> files)
    {
        var text = new StringBuilder();
        foreach (SnapshotFile file in files)
        {
            text.Append(file.Path).Append('\n').Append(file.Sha256).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans its temporary folder; a failed clean-up must not fail the run.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
