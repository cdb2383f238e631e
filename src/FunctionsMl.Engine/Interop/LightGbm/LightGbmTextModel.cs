using System.Globalization;
using System.Text;
using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.LightGbm;

/// <summary>
/// Reads a LightGBM text model (<c>save_model("model.txt")</c>) into a forest with LightGBM's own conventions:
/// a row goes left when <c>x ≤ threshold</c>; <c>decision_type</c> bit 0 marks a categorical split (the category,
/// truncated to an integer, goes left when it is in the split's <c>cat_threshold</c> bitset; NaN and negative values
/// go right), bit 1 sends missing values left, bits 2–3 give the missing type (None: NaN is read as 0; Zero: 0 and
/// NaN are missing; NaN: NaN is missing); children &lt; 0 are leaves <c>~child</c>; tree <c>i</c> adds to class
/// <c>i mod num_tree_per_iteration</c>; leaf values already include shrinkage and the initial score.
/// </summary>
internal sealed class LightGbmTextModel
{
    private const int CategoricalMask = 1;
    private const int DefaultLeftMask = 2;

    private LightGbmTextModel(string objective, ModelTask task, ForestOutput output, double scale, double divisor, DecisionForest forest, IReadOnlyList<string> featureNames, string version)
    {
        Objective = objective;
        Task = task;
        Output = output;
        Scale = scale;
        Divisor = divisor;
        Forest = forest;
        FeatureNames = featureNames;
        Version = version;
    }

    public string Objective { get; }

    public ModelTask Task { get; }

    public ForestOutput Output { get; }

    public double Scale { get; }

    public double Divisor { get; }

    public DecisionForest Forest { get; }

    public IReadOnlyList<string> FeatureNames { get; }

    public string Version { get; }

    /// <exception cref="ModelImportException">Not a LightGBM text model, or one using what this engine does not implement (named).</exception>
    public static LightGbmTextModel Parse(ReadOnlySpan<byte> file)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ModelImportException("The LightGBM model is not UTF-8 text.", ex);
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        if (lines.Length == 0 || lines[0] != "tree")
        {
            throw new ModelImportException("The file does not start with the line 'tree': it is not a LightGBM text model (save it with save_model(\"model.txt\")).");
        }

        var position = 1;
        var header = ReadSection(lines, ref position, out var headerFlags);
        var featureCount = Int(header, "max_feature_idx", "header") + 1;
        var classes = header.ContainsKey("num_class") ? Int(header, "num_class", "header") : 1;
        var treesPerIteration = header.ContainsKey("num_tree_per_iteration") ? Int(header, "num_tree_per_iteration", "header") : classes;
        if (featureCount < 1 || classes < 1 || treesPerIteration < 1)
        {
            throw new ModelImportException($"header: max_feature_idx, num_class or num_tree_per_iteration is out of range.");
        }

        var objective = header.GetValueOrDefault("objective") ?? throw new ModelImportException("header: the line 'objective=' is missing.");
        var (task, output, scale) = ReadObjective(objective, classes);
        if (task == ModelTask.Multiclass && treesPerIteration != classes)
        {
            throw new ModelImportException($"header: num_tree_per_iteration is {treesPerIteration} but num_class is {classes}.");
        }

        var builder = new ForestBuilder(featureCount, treesPerIteration, "LightGBM model");
        var treeCount = 0;
        while (position < lines.Length && !lines[position].StartsWith("end of trees", StringComparison.Ordinal))
        {
            if (lines[position].Length == 0)
            {
                position++;
                continue;
            }

            if (!lines[position].StartsWith("Tree=", StringComparison.Ordinal))
            {
                throw new ModelImportException($"line {position + 1}: expected 'Tree=<n>' or 'end of trees', found '{Shorten(lines[position])}'.");
            }

            var name = lines[position];
            position++;
            var tree = ReadSection(lines, ref position, out _);
            builder.AddTree(ReadTree(tree, name, treeCount % treesPerIteration, builder));
            treeCount++;
        }

        if (treeCount == 0)
        {
            throw new ModelImportException("The LightGBM model has no trees.");
        }

        var iterations = treeCount / treesPerIteration;
        var divisor = headerFlags.Contains("average_output") ? Math.Max(1, iterations) : 1;
        var names = header.TryGetValue("feature_names", out var given) ? given.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        if (names.Length != featureCount || names.Distinct(StringComparer.Ordinal).Count() != featureCount)
        {
            names = [.. Enumerable.Range(0, featureCount).Select(i => $"Column_{i}")];
        }

        return new LightGbmTextModel(objective, task, output, scale, divisor, builder.Build(), names, header.GetValueOrDefault("version") ?? "unknown");
    }

    private static (ModelTask Task, ForestOutput Output, double Scale) ReadObjective(string objective, int classes)
    {
        var parts = objective.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var sigmoid = 1.0;
        var sqrt = false;
        foreach (var part in parts.Skip(1))
        {
            if (part.StartsWith("sigmoid:", StringComparison.Ordinal))
            {
                sigmoid = double.Parse(part["sigmoid:".Length..], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            else if (part == "sqrt")
            {
                sqrt = true;
            }
        }

        return parts[0] switch
        {
            "binary" => (ModelTask.Binary, ForestOutput.Sigmoid, sigmoid),
            "multiclass" or "softmax" => (ModelTask.Multiclass, ForestOutput.Softmax, 1.0),
            "multiclassova" or "multiclass_ova" or "ova" or "ovr" => (ModelTask.Multiclass, ForestOutput.Sigmoid, sigmoid),
            "cross_entropy" or "xentropy" => (ModelTask.Regression, ForestOutput.Sigmoid, 1.0),
            "poisson" or "gamma" or "tweedie" => (ModelTask.Regression, ForestOutput.Exp, 1.0),
            "regression" or "regression_l2" or "l2" or "mean_squared_error" or "mse" or "regression_l1" or "l1" or "mean_absolute_error" or "mae"
                or "huber" or "fair" or "quantile" or "mape" or "lambdarank" or "rank_xendcg" =>
                (ModelTask.Regression, sqrt ? ForestOutput.SignedSquare : ForestOutput.Identity, 1.0),
            _ => throw new ModelImportException($"header: the LightGBM objective '{parts[0]}' is not supported."),
        } is var result && result.Item1 == ModelTask.Multiclass && classes < 2
            ? throw new ModelImportException($"header: objective '{parts[0]}' needs num_class ≥ 2, the model has {classes}.")
            : result;
    }

    private static int ReadTree(Dictionary<string, string> tree, string name, int target, ForestBuilder builder)
    {
        var leaves = Int(tree, "num_leaves", name);
        if (tree.TryGetValue("is_linear", out var linear) && linear.Trim() != "0")
        {
            throw new ModelImportException($"{name}: linear trees (linear_tree=true) are not supported.");
        }

        var leafValues = Doubles(tree, "leaf_value", name);
        if (leaves < 1 || leafValues.Length != leaves)
        {
            throw new ModelImportException($"{name}: num_leaves is {leaves} but leaf_value has {leafValues.Length} values.");
        }

        var leafHandles = leafValues.Select(v => builder.AddLeaf(target, v)).ToArray();
        if (leaves == 1)
        {
            return leafHandles[0];
        }

        var splits = leaves - 1;
        var features = Ints(tree, "split_feature", name, splits);
        var thresholds = Doubles(tree, "threshold", name, splits);
        var decisionTypes = Ints(tree, "decision_type", name, splits);
        var left = Ints(tree, "left_child", name, splits);
        var right = Ints(tree, "right_child", name, splits);
        var catBoundaries = tree.ContainsKey("cat_boundaries") ? Ints(tree, "cat_boundaries", name) : [];
        var catThreshold = tree.ContainsKey("cat_threshold") ? UInts(tree, "cat_threshold", name) : [];

        var handles = new int[splits];
        for (var node = 0; node < splits; node++)
        {
            var decision = decisionTypes[node];
            var defaultLeft = (decision & DefaultLeftMask) != 0;
            if ((decision & CategoricalMask) != 0)
            {
                var index = (int)thresholds[node];
                if (index < 0 || index + 1 >= catBoundaries.Length || catBoundaries[index] < 0 || catBoundaries[index + 1] > catThreshold.Length || catBoundaries[index] > catBoundaries[index + 1])
                {
                    throw new ModelImportException($"{name}: categorical split {node} points to bitset {index}, which cat_boundaries does not hold.");
                }

                var words = catThreshold[catBoundaries[index]..catBoundaries[index + 1]];
                handles[node] = builder.AddSplit(features[node], SplitRule.Member, 0, missingToTrue: false, new BitsetMemberSet(words));
                continue;
            }

            var threshold = thresholds[node];
            handles[node] = ((decision >> 2) & 3) switch
            {
                // None: NaN is read as 0 and compared like any value.
                0 => builder.AddSplit(features[node], SplitRule.LessOrEqual, threshold, missingToTrue: 0 <= threshold),
                1 => builder.AddSplit(features[node], SplitRule.LessOrEqual, threshold, missingToTrue: defaultLeft, zeroIsMissing: true),
                2 => builder.AddSplit(features[node], SplitRule.LessOrEqual, threshold, missingToTrue: defaultLeft),
                var other => throw new ModelImportException($"{name}: split {node} has decision_type {decision}, whose missing type {other} is not None, Zero or NaN."),
            };
        }

        for (var node = 0; node < splits; node++)
        {
            builder.SetChildren(handles[node], Child(left[node]), Child(right[node]));
        }

        return handles[0];

        int Child(int child) => child >= 0
            ? child < splits ? handles[child] : throw new ModelImportException($"{name}: child {child} is not a split of the tree.")
            : ~child < leaves ? leafHandles[~child] : throw new ModelImportException($"{name}: child {child} is not a leaf of the tree.");
    }

    /// <summary>key=value lines up to the next blank line; bare lines (like <c>average_output</c>) are flags.</summary>
    private static Dictionary<string, string> ReadSection(string[] lines, ref int position, out HashSet<string> flags)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        flags = new HashSet<string>(StringComparer.Ordinal);
        while (position < lines.Length && lines[position].Length == 0)
        {
            position++;
        }

        while (position < lines.Length && lines[position].Length > 0 && !lines[position].StartsWith("Tree=", StringComparison.Ordinal))
        {
            var line = lines[position];
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
            else
            {
                flags.Add(line.Trim());
            }

            position++;
        }

        return values;
    }

    private static int Int(Dictionary<string, string> section, string key, string where) =>
        int.TryParse(Value(section, key, where), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ModelImportException($"{where}: '{key}' is not an integer.");

    private static int[] Ints(Dictionary<string, string> section, string key, string where, int? expected = null) =>
        Parse(section, key, where, expected, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    private static uint[] UInts(Dictionary<string, string> section, string key, string where) =>
        Parse(section, key, where, null, s => uint.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    private static double[] Doubles(Dictionary<string, string> section, string key, string where, int? expected = null) =>
        Parse(section, key, where, expected, ParseDouble);

    private static double ParseDouble(string text) => text switch
    {
        "inf" or "+inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        "nan" or "-nan" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static T[] Parse<T>(Dictionary<string, string> section, string key, string where, int? expected, Func<string, T> parse)
    {
        var parts = Value(section, key, where).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (expected is { } count && parts.Length != count)
        {
            throw new ModelImportException($"{where}: '{key}' has {parts.Length} values; {count} are expected.");
        }

        try
        {
            return [.. parts.Select(parse)];
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new ModelImportException($"{where}: '{key}' has a value that is not a number.", ex);
        }
    }

    private static string Value(Dictionary<string, string> section, string key, string where) =>
        section.TryGetValue(key, out var value) ? value : throw new ModelImportException($"{where}: the line '{key}=' is missing.");

    private static string Shorten(string line) => line.Length > 60 ? line[..60] + "..." : line;
}
