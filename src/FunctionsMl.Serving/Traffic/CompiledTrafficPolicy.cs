using System.Runtime.InteropServices;
using System.Text.Json;

namespace FunctionsMl.Serving.Traffic;

/// <summary>
/// A model's policy prepared for the request path: a 100-entry bucket table, hash seeds and the shadows,
/// so routing a request is one hash of its key and one array read. Immutable; replaced when the policy changes.
/// </summary>
public sealed class CompiledTrafficPolicy
{
    private readonly string[] _bucketTargets;
    private readonly ulong _splitSeed;

    internal CompiledTrafficPolicy(string model, TrafficPolicy? policy, long revision, string? eTag)
    {
        Model = model;
        Policy = policy;
        Revision = revision;
        ETag = eTag;
        _splitSeed = RoutingHash.Seed(model);
        _bucketTargets = new string[RoutingHash.Buckets];
        if (policy is null)
        {
            Shadows = [];
            return;
        }

        var bucket = 0;
        foreach (var route in policy.Split)
        {
            for (var i = 0; i < route.Weight && bucket < RoutingHash.Buckets; i++)
            {
                _bucketTargets[bucket++] = route.Target;
            }
        }

        SingleTarget = policy.Split.Count == 1 ? policy.Split[0].Target : null;
        RoutingField = policy.RoutingField;
        Shadows = [.. policy.Shadows.Select(s => new ShadowPlan(s.Target, s.Percent, RoutingHash.Seed($"{model}/shadow/{s.Target}")))];
    }

    public string Model { get; }

    /// <summary>The policy; null when the model has none and production serves everything.</summary>
    public TrafficPolicy? Policy { get; }

    public long Revision { get; }

    /// <summary>The ETag of the document this was compiled from; null when there is none.</summary>
    public string? ETag { get; }

    /// <summary>The only split target, when there is one; then no key needs hashing.</summary>
    public string? SingleTarget { get; }

    public string? RoutingField { get; }

    public IReadOnlyList<ShadowPlan> Shadows { get; }

    /// <summary>The split target of bucket <paramref name="bucket"/> (0–99).</summary>
    public string TargetOf(int bucket) => _bucketTargets[bucket];

    /// <summary>The bucket of a routing key under this model's split.</summary>
    public int BucketOf(ReadOnlySpan<char> key) => RoutingHash.Bucket(_splitSeed, key);

    /// <summary>The bucket of a routing key given as UTF-8.</summary>
    public int BucketOf(ReadOnlySpan<byte> keyUtf8) => RoutingHash.Bucket(_splitSeed, keyUtf8);

    /// <summary>
    /// The bucket of the routing field's value in <paramref name="row"/>: a string's text or a number as
    /// written, so <c>"42"</c> and <c>42</c> land together, and together with the header <c>x-routing-key: 42</c>.
    /// </summary>
    /// <returns>False when the row has no such field, or its value is null, a boolean, an object or an array.</returns>
    public bool TryBucketOfField(JsonElement row, out int bucket)
    {
        bucket = 0;
        if (RoutingField is null || row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(RoutingField, out var value))
        {
            return false;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                bucket = BucketOf(JsonMarshal.GetRawUtf8Value(value));
                return true;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
                bucket = raw.IndexOf((byte)'\\') < 0 ? BucketOf(raw) : BucketOf(value.GetString().AsSpan());
                return raw.Length > 0;
            default:
                return false;
        }
    }
}

/// <summary>A shadow target with its own hash seed, so each shadow samples requests independently.</summary>
public sealed class ShadowPlan(string target, int percent, ulong seed)
{
    public string Target { get; } = target;

    public int Percent { get; } = percent;

    /// <summary>Whether the request with this id is copied to the shadow; the same id always gets the same answer.</summary>
    public bool Takes(string requestId) => Percent >= RoutingHash.Buckets || RoutingHash.Bucket(seed, requestId.AsSpan()) < Percent;
}
