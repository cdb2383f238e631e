using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Tests.Interop;

/// <summary>The float fast path (thresholds rounded up to floats, eight walks interleaved) against the exact double path.</summary>
public sealed class DecisionForestTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AddScores_FloatRows_MatchTheExactDoublePath(int ruleNumber)
    {
        var rule = (SplitRule)ruleNumber; // Less, LessOrEqual, GreaterOrEqual, Greater
        var random = new Random(11);
        const int features = 3;
        var builder = new ForestBuilder(features, 2, "test");
        var thresholds = new List<double>();
        for (var tree = 0; tree < 21; tree++)
        {
            builder.AddTree(Grow(builder, random, rule, depth: 0, thresholds));
        }

        var forest = builder.Build();

        // Rows sit on, just below and just above the thresholds (as floats), plus NaN and infinities.
        var rows = new List<float[]>();
        foreach (var t in thresholds)
        {
            var f = (float)t;
            foreach (var x in new[] { f, MathF.BitDecrement(f), MathF.BitIncrement(f), float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                rows.Add([x, (float)random.NextDouble(), random.Next(4) == 0 ? float.NaN : f]);
            }
        }

        var batch = rows.SelectMany(r => r).ToArray();
        var fromBlock = new double[rows.Count * 2];
        forest.AddScoresBlock<float>(batch, rows.Count, fromBlock);
        for (var i = 0; i < rows.Count; i++)
        {
            var fast = new double[2];
            var exact = new double[2];
            forest.AddScores<float>(rows[i], fast);
            forest.AddScores<double>(rows[i].Select(v => (double)v).ToArray(), exact);
            Assert.Equal(exact, fast);
            Assert.Equal(exact, fromBlock.AsSpan(i * 2, 2).ToArray());
        }
    }

    [Fact]
    public void Build_TreeReachingANodeTwice_IsRefused()
    {
        var builder = new ForestBuilder(1, 1, "test");
        var root = builder.AddSplit(0, SplitRule.Less, 1, false);
        var child = builder.AddSplit(0, SplitRule.Less, 2, false);
        builder.SetChildren(root, child, child);
        builder.SetChildren(child, builder.AddLeaf(0, 1), builder.AddLeaf(0, 2));
        builder.AddTree(root);

        Assert.Throws<Engine.Interop.ModelImportException>(builder.Build);
    }

    private static int Grow(ForestBuilder builder, Random random, SplitRule rule, int depth, List<double> thresholds)
    {
        if (depth == 4)
        {
            return builder.AddLeaf([(random.Next(2), Math.Round(random.NextDouble() - 0.5, 3))]);
        }

        // Thresholds that are not floats (as LightGBM writes them) and thresholds that are.
        var threshold = random.Next(4) == 0 ? (float)random.NextDouble() : (random.NextDouble() * 2) - 1;
        thresholds.Add(threshold);
        var node = builder.AddSplit(0, rule, threshold, missingToTrue: random.Next(2) == 0);
        builder.SetChildren(node, Grow(builder, random, rule, depth + 1, thresholds), Grow(builder, random, rule, depth + 1, thresholds));
        return node;
    }
}
