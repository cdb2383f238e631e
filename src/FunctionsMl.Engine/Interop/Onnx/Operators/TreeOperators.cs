using FunctionsMl.Engine.Interop.Onnx.Kernels;
using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.Onnx.Operators;

/// <summary>TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml v1, v3) and TreeEnsemble (v5).</summary>
internal static class TreeOperators
{
    private static readonly string[] LegacyModes = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "LEAF"];

    public static OnnxKernel Classifier(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = Features(context);
        var labels = ClassLabels.Read(context, "classlabels_int64s");
        var classIds = context.Attributes.Ints("class_ids") ?? [];
        var targets = Math.Max(labels.Count, classIds.Length == 0 ? 1 : (int)classIds.Max() + 1);
        if (classIds.Any(id => id < 0) || classIds.Any(id => id >= Math.Max(labels.Count, 2)))
        {
            throw context.Error($"class_ids must index classlabels ({labels.Count} labels); they range from {classIds.Min()} to {classIds.Max()}.");
        }

        var (forest, trees) = BuildLegacy(context, input, "class", targets);
        var baseValues = context.Attributes.FloatsOrTensor("base_values") ?? [];
        if (baseValues.Length is not (0 or 1) && baseValues.Length != labels.Count)
        {
            throw context.Error($"base_values has {baseValues.Length} values; 0, 1 or one per class ({labels.Count}) are expected.");
        }

        var transform = PostTransforms.FromString(context);
        var binarySingle = labels.Count <= 2 && classIds.Length > 0 && classIds.All(id => id == 0);
        var columns = binarySingle ? 2 : targets;
        var label = context.Output(0, labels.Type, new TensorShape(Dim.Rows()));
        var scores = context.Output(1, OnnxElementType.Float, new TensorShape(Dim.Rows(), Dim.Fixed(columns)));
        return new TreeEnsembleClassifierKernel(input, label, scores, new TreeScorer(forest, TreeAggregate.Sum, trees, float.MaxValue), baseValues, labels, binarySingle, transform);
    }

    public static OnnxKernel Regressor(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = Features(context);
        var targets = (int)context.Attributes.Int("n_targets", 1);
        if (targets < 1)
        {
            throw context.Error($"n_targets = {targets} must be at least 1.");
        }

        var (forest, trees) = BuildLegacy(context, input, "target", targets);
        var aggregate = context.Attributes.StringIn("aggregate_function", "SUM", "SUM", "AVERAGE", "MIN", "MAX") switch
        {
            "AVERAGE" => TreeAggregate.Average,
            "MIN" => TreeAggregate.Min,
            "MAX" => TreeAggregate.Max,
            _ => TreeAggregate.Sum,
        };
        var baseValues = context.Attributes.FloatsOrTensor("base_values") ?? [];
        if (baseValues.Length is not (0 or 1) && baseValues.Length != targets)
        {
            throw context.Error($"base_values has {baseValues.Length} values; 0, 1 or n_targets ({targets}) are expected.");
        }

        var transform = PostTransforms.FromString(context);
        var output = context.Output(0, OnnxElementType.Float, new TensorShape(Dim.Rows(), Dim.Fixed(targets)))!;
        return new TreeEnsembleRegressorKernel(input, output, new TreeScorer(forest, aggregate, trees, float.MaxValue), baseValues, transform);
    }

    /// <summary>TreeEnsemble (ai.onnx.ml 5): interior nodes only, leaves apart, integer modes, per the spec text.</summary>
    public static OnnxKernel TreeEnsemble(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, OnnxElementType.Float, OnnxElementType.Double);
        RequireMatrix(context, input);
        var features = (int)input.Shape.RowWidth;
        var a = context.Attributes;
        var targets = (int)a.Int("n_targets", 0);
        var aggregate = a.IntIn("aggregate_function", 1, 0, 1, 2, 3) switch
        {
            0 => TreeAggregate.Average,
            2 => TreeAggregate.Min,
            3 => TreeAggregate.Max,
            _ => TreeAggregate.Sum,
        };
        var transform = PostTransforms.FromInt(context);
        a.Ignore("nodes_hitrates");
        var featureIds = Required(context, a.Ints("nodes_featureids"), "nodes_featureids");
        var modes = Required(context, a.Tensor("nodes_modes"), "nodes_modes").AsLongs();
        var splits = Required(context, a.Tensor("nodes_splits"), "nodes_splits").AsDoubles();
        var trueIds = Required(context, a.Ints("nodes_truenodeids"), "nodes_truenodeids");
        var falseIds = Required(context, a.Ints("nodes_falsenodeids"), "nodes_falsenodeids");
        var trueLeafs = Required(context, a.Ints("nodes_trueleafs"), "nodes_trueleafs");
        var falseLeafs = Required(context, a.Ints("nodes_falseleafs"), "nodes_falseleafs");
        var missing = a.Ints("nodes_missing_value_tracks_true") ?? new long[featureIds.Length];
        var leafTargets = Required(context, a.Ints("leaf_targetids"), "leaf_targetids");
        var leafWeights = Required(context, a.Tensor("leaf_weights"), "leaf_weights").AsDoubles();
        var roots = Required(context, a.Ints("tree_roots"), "tree_roots");
        var members = a.Tensor("membership_values")?.AsDoubles() ?? [];
        var count = featureIds.Length;
        if (new[] { modes.Length, splits.Length, trueIds.Length, falseIds.Length, trueLeafs.Length, falseLeafs.Length, missing.Length }.Any(n => n != count))
        {
            throw context.Error("the nodes_* attributes have different lengths.");
        }

        if (leafTargets.Length != leafWeights.Length || targets < 1 || leafTargets.Any(t => t < 0 || t >= targets))
        {
            throw context.Error($"leaf_targetids and leaf_weights must have equal lengths with targets in [0, n_targets = {targets}).");
        }

        var builder = new ForestBuilder(features, targets, context.Describe);
        var leaves = leafTargets.Select((t, i) => builder.AddLeaf((int)t, leafWeights[i])).ToArray();
        var handles = new int[count];
        var memberStart = 0;
        for (var i = 0; i < count; i++)
        {
            var rule = modes[i] switch
            {
                0 => SplitRule.LessOrEqual,
                1 => SplitRule.Less,
                2 => SplitRule.GreaterOrEqual,
                3 => SplitRule.Greater,
                4 => SplitRule.Equal,
                5 => SplitRule.NotEqual,
                6 => SplitRule.Member,
                var m => throw context.Error($"nodes_modes[{i}] = {m} is not a mode (0 LEQ to 6 MEMBER)."),
            };
            MemberSet? set = null;
            if (rule == SplitRule.Member)
            {
                // Each MEMBER node's set is the next NaN-terminated run of membership_values, in node order.
                var end = memberStart;
                while (end < members.Length && !double.IsNaN(members[end]))
                {
                    end++;
                }

                if (end >= members.Length)
                {
                    throw context.Error($"membership_values has no NaN-terminated set for MEMBER node {i}.");
                }

                set = new ValueMemberSet(members[memberStart..end]);
                memberStart = end + 1;
            }

            // The spec's test is cmp(x) or (tracks_true and isnan(x)); for NEQ a NaN compares true.
            var missingToTrue = rule == SplitRule.NotEqual || missing[i] != 0;
            handles[i] = builder.AddSplit(CheckFeature(context, featureIds[i], features), rule, splits[i], missingToTrue, set);
        }

        for (var i = 0; i < count; i++)
        {
            builder.SetChildren(handles[i], Child(trueIds[i], trueLeafs[i]), Child(falseIds[i], falseLeafs[i]));
        }

        foreach (var root in roots)
        {
            builder.AddTree(root >= 0 && root < count ? handles[root] : throw context.Error($"tree_roots holds {root}, which is not a node."));
        }

        var forest = builder.Build();
        var output = context.Output(0, input.Type, new TensorShape(Dim.Rows(), Dim.Fixed(targets)))!;
        var extreme = input.Type == OnnxElementType.Float ? float.MaxValue : double.MaxValue;
        return new TreeEnsembleRegressorKernel(input, output, new TreeScorer(forest, aggregate, roots.Length, extreme), [], transform);

        int Child(long id, long isLeaf) => isLeaf != 0
            ? id >= 0 && id < leaves.Length ? leaves[id] : throw context.Error($"a node points to leaf {id}, which does not exist.")
            : id >= 0 && id < count ? handles[id] : throw context.Error($"a node points to node {id}, which does not exist.");
    }

    /// <summary>The legacy layout: parallel nodes_* arrays with (tree id, node id) identities, leaves among the nodes, weights in class_*/target_*.</summary>
    private static (DecisionForest Forest, int Trees) BuildLegacy(NodeContext context, OnnxValue input, string prefix, int targets)
    {
        var a = context.Attributes;
        a.Ignore("nodes_hitrates", "nodes_hitrates_as_tensor");
        var features = (int)input.Shape.RowWidth;
        var treeIds = Required(context, a.Ints("nodes_treeids"), "nodes_treeids");
        var nodeIds = Required(context, a.Ints("nodes_nodeids"), "nodes_nodeids");
        var featureIds = Required(context, a.Ints("nodes_featureids"), "nodes_featureids");
        var modes = Required(context, a.Strings("nodes_modes"), "nodes_modes");
        var values = a.FloatsOrTensor("nodes_values") ?? new double[treeIds.Length];
        var trueIds = Required(context, a.Ints("nodes_truenodeids"), "nodes_truenodeids");
        var falseIds = Required(context, a.Ints("nodes_falsenodeids"), "nodes_falsenodeids");
        var missing = a.Ints("nodes_missing_value_tracks_true") ?? new long[treeIds.Length];
        var weightTrees = a.Ints($"{prefix}_treeids") ?? [];
        var weightNodes = a.Ints($"{prefix}_nodeids") ?? [];
        var weightIds = a.Ints($"{prefix}_ids") ?? [];
        var weights = a.FloatsOrTensor($"{prefix}_weights") ?? [];
        var count = treeIds.Length;
        if (new[] { nodeIds.Length, featureIds.Length, modes.Length, values.Length, trueIds.Length, falseIds.Length, missing.Length }.Any(n => n != count))
        {
            throw context.Error("the nodes_* attributes have different lengths.");
        }

        if (new[] { weightNodes.Length, weightIds.Length, weights.Length }.Any(n => n != weightTrees.Length))
        {
            throw context.Error($"the {prefix}_* attributes have different lengths.");
        }

        var index = new Dictionary<(long Tree, long Node), int>(count);
        for (var i = 0; i < count; i++)
        {
            if (!index.TryAdd((treeIds[i], nodeIds[i]), i))
            {
                throw context.Error($"node {nodeIds[i]} of tree {treeIds[i]} appears twice.");
            }
        }

        var votes = new Dictionary<int, List<(int, double)>>();
        for (var w = 0; w < weightTrees.Length; w++)
        {
            if (!index.TryGetValue((weightTrees[w], weightNodes[w]), out var node))
            {
                throw context.Error($"{prefix}_weights[{w}] is for node {weightNodes[w]} of tree {weightTrees[w]}, which does not exist.");
            }

            if (weightIds[w] < 0 || weightIds[w] >= targets)
            {
                throw context.Error($"{prefix}_ids[{w}] = {weightIds[w]} is out of range (0 to {targets - 1}).");
            }

            if (!votes.TryGetValue(node, out var list))
            {
                votes[node] = list = [];
            }

            list.Add(((int)weightIds[w], weights[w]));
        }

        var builder = new ForestBuilder(features, targets, context.Describe);
        var handles = new int[count];
        for (var i = 0; i < count; i++)
        {
            var mode = modes[i];
            if (mode == "LEAF")
            {
                handles[i] = builder.AddLeaf(votes.TryGetValue(i, out var list) ? [.. list] : []);
                continue;
            }

            var rule = mode switch
            {
                "BRANCH_LEQ" => SplitRule.LessOrEqual,
                "BRANCH_LT" => SplitRule.Less,
                "BRANCH_GTE" => SplitRule.GreaterOrEqual,
                "BRANCH_GT" => SplitRule.Greater,
                "BRANCH_EQ" => SplitRule.Equal,
                "BRANCH_NEQ" => SplitRule.NotEqual,
                _ => throw context.Error($"nodes_modes[{i}] = '{mode}' is not supported; supported modes are {string.Join(", ", LegacyModes)}."),
            };

            // The legacy reference tests isnan(x) first and follows the flag, whatever the mode.
            handles[i] = builder.AddSplit(CheckFeature(context, featureIds[i], features), rule, values[i], missing[i] != 0);
        }

        for (var i = 0; i < count; i++)
        {
            if (modes[i] != "LEAF")
            {
                builder.SetChildren(handles[i], Lookup(treeIds[i], trueIds[i]), Lookup(treeIds[i], falseIds[i]));
            }
        }

        // A tree's root is the first node listed with its id, as the reference takes it.
        var roots = new List<long>();
        var seen = new HashSet<long>();
        for (var i = 0; i < count; i++)
        {
            if (seen.Add(treeIds[i]))
            {
                roots.Add(i);
            }
        }

        foreach (var root in roots)
        {
            builder.AddTree(handles[root]);
        }

        return (builder.Build(), roots.Count);

        int Lookup(long tree, long node) => index.TryGetValue((tree, node), out var i)
            ? handles[i]
            : throw context.Error($"tree {tree} points to node {node}, which does not exist.");
    }

    private static OnnxValue Features(NodeContext context)
    {
        var input = context.InputOfType(0, OnnxElementType.Float, OnnxElementType.Double, OnnxElementType.Int64);
        RequireMatrix(context, input);
        return input;
    }

    internal static void RequireMatrix(NodeContext context, OnnxValue input)
    {
        if (input.Shape.Rank != 2 || !input.Shape[0].PerRow || input.Shape[0].Size != 1)
        {
            throw context.Error($"input '{input.Name}' must have shape [N, F] (rows, features); it has {input.Shape}.");
        }
    }

    private static int CheckFeature(NodeContext context, long feature, int features) =>
        feature >= 0 && feature < features ? (int)feature : throw context.Error($"a split reads feature {feature}, but the input has {features}.");

    private static T Required<T>(NodeContext context, T? value, string name)
        where T : class => value ?? throw context.Error($"attribute '{name}' is required.");
}
