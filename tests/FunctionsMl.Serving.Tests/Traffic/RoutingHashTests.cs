using System.Text;
using FunctionsMl.Serving.Traffic;

namespace FunctionsMl.Serving.Tests.Traffic;

public sealed class RoutingHashTests
{
    // Computed independently (a few lines of Python: FNV-1a 64 over salt + 0x00 + UTF-8 key, MurmurHash3 fmix64, mod 100).
    private static readonly int[] GoldenBuckets = [60, 11, 76, 50, 77, 11, 61];

    [Fact]
    public void Bucket_KnownKeys_NeverChange()
    {
        // Pinned values: every process, instance and release must put these keys in these buckets, or sticky
        // users would switch versions on a deployment. Only change them with a migration plan.
        string[] keys = ["user-1", "user-2", "customer 42", "", "42", "ünïcödé", "a-much-longer-routing-key-with-a-uuid-0f8fad5b-d9cb-469f-a165-70867728950e"];

        var buckets = keys.Select(k => RoutingHash.Bucket("iris", k)).ToArray();

        Assert.Equal(GoldenBuckets, buckets);
    }

    [Fact]
    public void Bucket_CharsAndUtf8_Agree()
    {
        var seed = RoutingHash.Seed("iris");
        foreach (var key in new[] { "user-1", "ünïcödé 🎉", new string('x', 1000) + "🎉" + new string('y', 300) })
        {
            Assert.Equal(RoutingHash.Bucket(seed, Encoding.UTF8.GetBytes(key)), RoutingHash.Bucket(seed, key.AsSpan()));
        }
    }

    [Fact]
    public void Bucket_DifferentSalts_AreIndependent()
    {
        var keys = Enumerable.Range(0, 2000).Select(i => $"user-{i}").ToArray();

        var same = keys.Count(k => RoutingHash.Bucket("iris", k) == RoutingHash.Bucket("diabetes", k));

        // Independent buckets coincide for about 1 key in 100.
        Assert.InRange(same, 5, 50);
    }

    [Fact]
    public void Bucket_ManySequentialKeys_SpreadEvenly()
    {
        const int Keys = 100_000;
        var seed = RoutingHash.Seed("iris");
        var counts = new int[RoutingHash.Buckets];
        for (var i = 0; i < Keys; i++)
        {
            counts[RoutingHash.Bucket(seed, $"user-{i}".AsSpan())]++;
        }

        // Chi-square with 99 degrees of freedom: the 99.99th percentile is about 157.
        var expected = Keys / (double)RoutingHash.Buckets;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 157, $"chi-square {chiSquare:0.0}: buckets are uneven");
    }
}
