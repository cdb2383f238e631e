namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>
/// Collects the trees of an imported model in each format's own terms (rule, threshold, true and false branch) and
/// compiles them into a <see cref="DecisionForest"/>: every ordinary split becomes <c>x &lt; t</c> (swapping branches
/// for ≥ and &gt;, moving a ≤ threshold to the next double up), so prediction has one fast path.
/// </summary>
internal sealed class ForestBuilder(int featureCount, int targetCount, string describe)
{
    private const int MaxDepth = 4096;

    private readonly List<ForestNode> _nodes = [];
    private readonly List<bool> _childrenSet = [];
    private readonly List<int> _roots = [];
    private readonly List<int> _leafStart = [0];
    private readonly List<int> _leafTarget = [];
    private readonly List<double> _leafWeight = [];
    private readonly List<MemberSet> _sets = [];
    private readonly List<bool> _swapped = [];

    public int FeatureCount { get; } = featureCount;

    public int TargetCount { get; } = targetCount;

    public int NodeCount => _nodes.Count;

    /// <summary>Adds a split; its children are given later with <see cref="SetChildren"/>.</summary>
    /// <param name="missingToTrue">Whether NaN takes the branch where the rule holds.</param>
    /// <returns>The node's handle (≥ 0).</returns>
    public int AddSplit(int feature, SplitRule rule, double threshold, bool missingToTrue, MemberSet? set = null, bool zeroIsMissing = false)
    {
        if (feature < 0 || feature >= FeatureCount)
        {
            throw new ModelImportException($"{describe}: a split reads feature {feature}, but the model has {FeatureCount} features.");
        }

        if (rule != SplitRule.Member && double.IsNaN(threshold))
        {
            throw new ModelImportException($"{describe}: a split on feature {feature} has a NaN threshold.");
        }

        // ≥, > and ≠ are the negations of <, ≤ and =: swap the branches, and with them where missing goes.
        var swap = rule is SplitRule.GreaterOrEqual or SplitRule.Greater or SplitRule.NotEqual;
        var node = new ForestNode { Feature = feature, MissingTrue = swap ? !missingToTrue : missingToTrue, Threshold = threshold };
        switch (rule)
        {
            case SplitRule.Less or SplitRule.GreaterOrEqual:
                node.Kind = NodeKind.Less;
                break;
            case SplitRule.LessOrEqual or SplitRule.Greater:
                node.Kind = NodeKind.LessOrEqual;
                if (double.IsFinite(threshold) || double.IsNegativeInfinity(threshold))
                {
                    // For every double x, x <= t exactly when x < the next double after t.
                    node.Kind = NodeKind.Less;
                    node.Threshold = Math.BitIncrement(threshold);
                }

                break;
            case SplitRule.Equal or SplitRule.NotEqual:
                node.Kind = NodeKind.Equal;
                break;
            case SplitRule.Member:
                node.Kind = NodeKind.Member;
                node.Threshold = _sets.Count;
                _sets.Add(set ?? throw new ArgumentNullException(nameof(set)));
                break;
        }

        if (zeroIsMissing)
        {
            if (rule != SplitRule.LessOrEqual)
            {
                throw new ArgumentException("Zero-as-missing is LightGBM's and applies to ≤ splits only.", nameof(zeroIsMissing));
            }

            node.Kind = NodeKind.LessOrEqualZeroMissing;
            node.Threshold = threshold;
        }

        _nodes.Add(node);
        _childrenSet.Add(false);
        _swapped.Add(swap);
        return _nodes.Count - 1;
    }

    /// <summary>Adds a leaf with its (target, weight) votes; a leaf may vote for several targets or none.</summary>
    /// <returns>The leaf's handle (&lt; 0).</returns>
    public int AddLeaf(ReadOnlySpan<(int Target, double Weight)> votes)
    {
        foreach (var (target, weight) in votes)
        {
            if (target < 0 || target >= TargetCount)
            {
                throw new ModelImportException($"{describe}: a leaf votes for target {target}, but there are {TargetCount} targets.");
            }

            _leafTarget.Add(target);
            _leafWeight.Add(weight);
        }

        _leafStart.Add(_leafTarget.Count);
        return ~(_leafStart.Count - 2);
    }

    public int AddLeaf(int target, double weight) => AddLeaf([(target, weight)]);

    /// <param name="trueChild">Node or leaf handle taken when the rule holds.</param>
    public void SetChildren(int node, int trueChild, int falseChild)
    {
        var value = _nodes[node];
        if (_swapped[node])
        {
            (trueChild, falseChild) = (falseChild, trueChild);
        }

        value.True = trueChild;
        value.False = falseChild;
        _nodes[node] = value;
        _childrenSet[node] = true;
    }

    /// <summary>Adds a tree by its root handle (a node, or a leaf for a single-leaf tree).</summary>
    public void AddTree(int root) => _roots.Add(root);

    /// <exception cref="ModelImportException">A split lacks children, or a tree has a cycle or shares nodes.</exception>
    public DecisionForest Build()
    {
        var nodes = _nodes.ToArray();
        var leafCount = _leafStart.Count - 1;
        var owner = new int[nodes.Length];
        Array.Fill(owner, -1);
        var stack = new Stack<(int Node, int Depth)>();
        for (var tree = 0; tree < _roots.Count; tree++)
        {
            Check(_roots[tree], tree);
            if (_roots[tree] < 0)
            {
                continue;
            }

            stack.Push((_roots[tree], 1));
            while (stack.Count > 0)
            {
                var (index, depth) = stack.Pop();
                if (owner[index] >= 0)
                {
                    throw new ModelImportException($"{describe}: tree {tree} reaches node {index} twice (a cycle, or nodes shared between trees).");
                }

                if (depth > MaxDepth)
                {
                    throw new ModelImportException($"{describe}: tree {tree} is deeper than {MaxDepth} levels.");
                }

                owner[index] = tree;
                if (!_childrenSet[index])
                {
                    throw new ModelImportException($"{describe}: tree {tree} has a split without children.");
                }

                foreach (var child in (ReadOnlySpan<int>)[nodes[index].True, nodes[index].False])
                {
                    Check(child, tree);
                    if (child >= 0)
                    {
                        stack.Push((child, depth + 1));
                    }
                }
            }
        }

        return new DecisionForest(nodes, [.. _roots], [.. _leafStart], [.. _leafTarget], [.. _leafWeight], [.. _sets], FeatureCount, TargetCount);

        void Check(int handle, int tree)
        {
            if (handle >= nodes.Length || (handle < 0 && ~handle >= leafCount))
            {
                throw new ModelImportException($"{describe}: tree {tree} points to a node that does not exist.");
            }
        }
    }
}
