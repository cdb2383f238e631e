using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

internal enum TreeAggregate
{
    Sum,
    Average,
    Min,
    Max,
}

/// <summary>Sums (or averages, or takes the min/max of) the leaf votes of every tree for one row.</summary>
internal sealed class TreeScorer(DecisionForest forest, TreeAggregate aggregate, int treeCount, double extreme)
{
    public DecisionForest Forest { get; } = forest;

    public void Score<T>(ReadOnlySpan<T> row, Span<double> scores)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        switch (aggregate)
        {
            case TreeAggregate.Sum:
            case TreeAggregate.Average:
                scores.Clear();
                Forest.AddScores(row, scores);
                if (aggregate == TreeAggregate.Average)
                {
                    for (var i = 0; i < scores.Length; i++)
                    {
                        scores[i] /= treeCount;
                    }
                }

                return;
            default:
                var max = aggregate == TreeAggregate.Max;
                scores.Fill(max ? -extreme : extreme);
                for (var tree = 0; tree < Forest.TreeCount; tree++)
                {
                    var leaf = Forest.LeafOf(tree, row);
                    for (var vote = Forest.LeafStart(leaf); vote < Forest.LeafEnd(leaf); vote++)
                    {
                        ref var score = ref scores[Forest.LeafTarget(vote)];
                        var weight = Forest.LeafWeight(vote);
                        score = max ? Math.Max(score, weight) : Math.Min(score, weight);
                    }
                }

                return;
        }
    }
}

/// <summary>
/// TreeEnsembleClassifier (v1, v3), as the ONNX reference computes it: scores start at base_values, every leaf
/// vote is added, then — when there are two labels and every vote is for class 0 — column 1 takes the score and
/// column 0 becomes 1 − s (NONE, PROBIT) or −s (other transforms) before the post_transform; the label is the
/// arg max of the transformed scores.
/// </summary>
internal sealed class TreeEnsembleClassifierKernel(
    OnnxValue input, OnnxValue? labelOutput, OnnxValue? scoresOutput, TreeScorer scorer, double[] baseValues,
    ClassLabels labels, bool binarySingleScore, PostTransform transform) : OnnxKernel
{
    private readonly int _width = (int)input.Shape.RowWidth;
    private readonly int _targets = scorer.Forest.TargetCount;
    private readonly int _columns = binarySingleScore ? 2 : Math.Max(labels.Count, scorer.Forest.TargetCount);

    public int Columns => _columns;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        Span<double> features = _width <= RowReader.MaxStackWidth ? stackalloc double[_width] : new double[_width];
        Span<double> scores = _columns <= 256 ? stackalloc double[_columns] : new double[_columns];
        var x = workspace.Buffers[input.Slot];
        for (var row = 0; row < rows; row++)
        {
            scores.Clear();
            if (x is float[] floats)
            {
                scorer.Score<float>(floats.AsSpan(row * _width, _width), scores[.._targets]);
            }
            else
            {
                RowReader.Read(x, row, _width, features);
                scorer.Score<double>(features, scores[.._targets]);
            }

            for (var c = 0; c < _columns; c++)
            {
                scores[c] += baseValues.Length == 0 ? 0 : baseValues.Length == 1 ? baseValues[0] : c < baseValues.Length ? baseValues[c] : 0;
            }

            if (binarySingleScore)
            {
                scores[1] = scores[0];
                scores[0] = transform is PostTransform.None or PostTransform.Probit ? 1 - scores[1] : -scores[1];
            }

            PostTransforms.Apply(transform, scores);
            var best = 0;
            for (var c = 1; c < _columns; c++)
            {
                if (scores[c] > scores[best])
                {
                    best = c;
                }
            }

            if (scoresOutput is not null)
            {
                RowReader.Write(workspace.Buffers[scoresOutput.Slot], row * _columns, scores);
            }

            if (labelOutput is not null)
            {
                if (labels.Count == 1)
                {
                    // A single label: the reference answers it for the positive column, else 0.
                    if (labels.Ints is not null)
                    {
                        workspace.Get<long>(labelOutput)[row] = best == 1 ? labels.Ints[0] : 0;
                    }
                    else
                    {
                        workspace.Get<string>(labelOutput)[row] = best == 1 ? labels.Strings![0] : string.Empty;
                    }
                }
                else
                {
                    labels.Write(workspace, labelOutput, row, best);
                }
            }
        }
    }
}

/// <summary>TreeEnsembleRegressor (v1, v3) and TreeEnsemble (v5): aggregate, add base_values, post_transform.</summary>
internal sealed class TreeEnsembleRegressorKernel(OnnxValue input, OnnxValue output, TreeScorer scorer, double[] baseValues, PostTransform transform) : OnnxKernel
{
    private readonly int _width = (int)input.Shape.RowWidth;
    private readonly int _targets = scorer.Forest.TargetCount;

    public override void Run(OnnxWorkspace workspace, int rows)
    {
        Span<double> features = _width <= RowReader.MaxStackWidth ? stackalloc double[_width] : new double[_width];
        Span<double> scores = _targets <= 256 ? stackalloc double[_targets] : new double[_targets];
        var x = workspace.Buffers[input.Slot];
        var y = workspace.Buffers[output.Slot];
        for (var row = 0; row < rows; row++)
        {
            if (x is float[] floats)
            {
                scorer.Score<float>(floats.AsSpan(row * _width, _width), scores);
            }
            else
            {
                RowReader.Read(x, row, _width, features);
                scorer.Score<double>(features, scores);
            }

            for (var t = 0; t < _targets; t++)
            {
                scores[t] += baseValues.Length == 0 ? 0 : baseValues.Length == 1 ? baseValues[0] : baseValues[t];
            }

            PostTransforms.Apply(transform, scores);
            RowReader.Write(y, row * _targets, scores);
        }
    }
}
