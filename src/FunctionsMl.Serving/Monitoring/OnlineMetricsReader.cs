using System.Text.Json;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// Online metrics from the stored feedback log (<c>logs/&lt;name&gt;/feedback/</c>), which every instance writes:
/// what a retraining activity reads, in whatever process it runs, to feed <see cref="OnlineMetricsRule"/>.
/// </summary>
public static class OnlineMetricsReader
{
    /// <summary>
    /// The online metrics of one version from the feedback recorded since <paramref name="since"/> (by the day
    /// folders, so a little earlier feedback of the first day counts too). A row given feedback twice (through two
    /// instances) counts once.
    /// </summary>
    /// <returns>Metrics with <see cref="OnlineMetrics.Count"/> 0 when there is no feedback.</returns>
    public static async Task<OnlineMetrics> ReadAsync(IObjectStore store, string model, string version, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        RegistryNames.ValidateModel(model);
        RegistryNames.ValidateVersion(version);
        var prefix = MonitoringPaths.FeedbackLog(model);
        var firstDay = since.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var seen = new HashSet<(string, int)>();
        var accumulator = new OnlineAccumulator();
        await foreach (var info in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var day = info.Path[prefix.Length..].Split('/')[0];
            if (string.CompareOrdinal(day, firstDay) < 0 || await store.ReadAsync(info.Path, cancellationToken).ConfigureAwait(false) is not { } stored)
            {
                continue;
            }

            foreach (var line in Lines(stored.Content))
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.GetProperty("version").GetString() != version || !seen.Add((root.GetProperty("requestId").GetString()!, root.GetProperty("row").GetInt32())))
                {
                    continue;
                }

                if (root.TryGetProperty("correct", out var correct))
                {
                    accumulator.AddClass(correct.GetBoolean(), root.TryGetProperty("probability", out var p) ? p.GetDouble() : null);
                }
                else if (root.TryGetProperty("error", out var error))
                {
                    accumulator.AddValue(error.GetDouble());
                }
            }
        }

        return accumulator.Snapshot(model, version);
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Lines(ReadOnlyMemory<byte> content)
    {
        while (!content.IsEmpty)
        {
            var end = content.Span.IndexOf((byte)'\n');
            var line = end < 0 ? content : content[..end];
            content = end < 0 ? ReadOnlyMemory<byte>.Empty : content[(end + 1)..];
            if (!line.Span.Trim((byte)' ').IsEmpty)
            {
                yield return line;
            }
        }
    }
}
