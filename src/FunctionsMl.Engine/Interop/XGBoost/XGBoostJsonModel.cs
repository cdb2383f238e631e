using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.XGBoost;

/// <summary>
/// Reads an XGBoost model saved as JSON (<c>save_model("m.json")</c>, schema in XGBoost's <c>doc/model.schema</c>)
/// into a forest with XGBoost's own conventions: a row goes left when <c>x &lt; split_condition</c>, a missing value
/// follows <c>default_left</c>, a leaf's value is its <c>split_conditions</c> entry, <c>base_score</c> is stored in
/// the objective's output space and turned into a margin (logit for logistic objectives, log for exp-link ones),
/// and tree <c>i</c> adds to output group <c>tree_info[i]</c>. A categorical split (split_type 1) sends a category in
/// its set right and every other value, negative or unseen, left; a missing value follows <c>default_left</c>
/// (as XGBoost 1.7 predicts). XGBoost writes NaN and infinities as bare literals, which are read as such.
/// </summary>
internal sealed class XGBoostJsonModel
{
    private static readonly Dictionary<string, (ModelTask Task, ForestOutput Output, MarginLink Link)> Objectives = new(StringComparer.Ordinal)
    {
        ["binary:logistic"] = (ModelTask.Binary, ForestOutput.Sigmoid, MarginLink.Logit),
        ["binary:logitraw"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Logit),
        ["binary:hinge"] = (ModelTask.Binary, ForestOutput.Hinge, MarginLink.Identity),
        ["reg:logistic"] = (ModelTask.Regression, ForestOutput.Sigmoid, MarginLink.Logit),
        ["reg:squarederror"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["reg:linear"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["reg:squaredlogerror"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["reg:pseudohubererror"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["reg:absoluteerror"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["count:poisson"] = (ModelTask.Regression, ForestOutput.Exp, MarginLink.Log),
        ["reg:gamma"] = (ModelTask.Regression, ForestOutput.Exp, MarginLink.Log),
        ["reg:tweedie"] = (ModelTask.Regression, ForestOutput.Exp, MarginLink.Log),
        ["survival:cox"] = (ModelTask.Regression, ForestOutput.Exp, MarginLink.Log),
        ["survival:aft"] = (ModelTask.Regression, ForestOutput.Exp, MarginLink.Log),
        ["multi:softprob"] = (ModelTask.Multiclass, ForestOutput.Softmax, MarginLink.Identity),
        ["multi:softmax"] = (ModelTask.Multiclass, ForestOutput.Softmax, MarginLink.Identity),
        ["rank:pairwise"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["rank:ndcg"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
        ["rank:map"] = (ModelTask.Regression, ForestOutput.Identity, MarginLink.Identity),
    };

    private enum MarginLink
    {
        Identity,
        Logit,
        Log,
    }

    private XGBoostJsonModel(string objective, ModelTask task, ForestOutput output, DecisionForest forest, double[] baseMargins, IReadOnlyList<string> featureNames, string version)
    {
        Objective = objective;
        Task = task;
        Output = output;
        Forest = forest;
        BaseMargins = baseMargins;
        FeatureNames = featureNames;
        Version = version;
    }

    public string Objective { get; }

    public ModelTask Task { get; }

    public ForestOutput Output { get; }

    public DecisionForest Forest { get; }

    public double[] BaseMargins { get; }

    /// <summary><c>learner.feature_names</c> when the model has them, else f0, f1, ... as XGBoost names them.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The XGBoost version that saved the model, e.g. "1.7.4".</summary>
    public string Version { get; }

    /// <exception cref="ModelImportException">Not an XGBoost JSON model, or one using what this engine does not implement (named).</exception>
    public static XGBoostJsonModel Parse(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(NonFiniteLiterals.Replace(json.Span), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new ModelImportException($"The XGBoost model is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            try
            {
                return Read(document.RootElement);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or KeyNotFoundException or IndexOutOfRangeException)
            {
                throw new ModelImportException($"The XGBoost model is not in the JSON model schema: {ex.Message}", ex);
            }
        }
    }

    private static XGBoostJsonModel Read(JsonElement root)
    {
        var learner = Property(root, "learner", "$");
        var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Array
            ? string.Join('.', v.EnumerateArray().Select(e => e.GetInt32().ToString(CultureInfo.InvariantCulture)))
            : "unknown";
        var parameters = Property(learner, "learner_model_param", "learner");
        var featureCount = IntParam(parameters, "num_feature");
        var classCount = parameters.TryGetProperty("num_class", out _) ? IntParam(parameters, "num_class") : 0;
        if (parameters.TryGetProperty("num_target", out _) && IntParam(parameters, "num_target") > 1)
        {
            throw new ModelImportException("learner_model_param.num_target: multi-output XGBoost models are not supported.");
        }

        var objective = Property(Property(learner, "objective", "learner"), "name", "learner.objective").GetString()!;
        if (!Objectives.TryGetValue(objective, out var meaning))
        {
            throw new ModelImportException($"learner.objective.name: the XGBoost objective '{objective}' is not supported; supported are {string.Join(", ", Objectives.Keys)}.");
        }

        var groups = Math.Max(1, classCount);
        if (meaning.Task == ModelTask.Multiclass && groups < 2)
        {
            throw new ModelImportException($"learner_model_param.num_class is {classCount}; objective '{objective}' needs at least 2 classes.");
        }

        var booster = Property(learner, "gradient_booster", "learner");
        var boosterName = Property(booster, "name", "learner.gradient_booster").GetString();
        JsonElement model;
        double[]? weightDrop = null;
        switch (boosterName)
        {
            case "gbtree":
                model = Property(booster, "model", "learner.gradient_booster");
                break;
            case "dart":
                model = Property(Property(booster, "gbtree", "learner.gradient_booster"), "model", "learner.gradient_booster.gbtree");
                weightDrop = [.. Property(booster, "weight_drop", "learner.gradient_booster").EnumerateArray().Select(e => e.GetDouble())];
                break;
            default:
                throw new ModelImportException($"learner.gradient_booster.name: the booster '{boosterName}' is not supported; supported are gbtree and dart.");
        }

        var trees = Property(model, "trees", "gradient_booster.model").EnumerateArray().ToArray();
        var treeInfo = Property(model, "tree_info", "gradient_booster.model").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        if (treeInfo.Length != trees.Length || (weightDrop is not null && weightDrop.Length != trees.Length))
        {
            throw new ModelImportException($"gradient_booster.model: {trees.Length} trees but {treeInfo.Length} tree_info entries{(weightDrop is null ? string.Empty : $" and {weightDrop.Length} weight_drop entries")}.");
        }

        var builder = new ForestBuilder(featureCount, groups, "XGBoost model");
        for (var t = 0; t < trees.Length; t++)
        {
            if (treeInfo[t] < 0 || treeInfo[t] >= groups)
            {
                throw new ModelImportException($"gradient_booster.model.tree_info[{t}] is {treeInfo[t]}; the model has {groups} output group(s).");
            }

            builder.AddTree(ReadTree(trees[t], t, treeInfo[t], weightDrop?[t] ?? 1.0, builder));
        }

        var baseScore = ParseBaseScore(Property(parameters, "base_score", "learner_model_param"));
        var margin = meaning.Link switch
        {
            MarginLink.Logit => Math.Log(baseScore / (1 - baseScore)),
            MarginLink.Log => Math.Log(baseScore),
            _ => baseScore,
        };
        if (!double.IsFinite(margin))
        {
            throw new ModelImportException($"learner_model_param.base_score {baseScore} has no finite margin for objective '{objective}'.");
        }

        // XGBoost keeps the margin as a float: so do we, so sums start from the same value.
        var baseMargins = Enumerable.Repeat((double)(float)margin, groups).ToArray();
        var names = ReadFeatureNames(learner, featureCount);
        return new XGBoostJsonModel(objective, meaning.Task, meaning.Output, builder.Build(), baseMargins, names, version);
    }

    private static int ReadTree(JsonElement tree, int index, int group, double weight, ForestBuilder builder)
    {
        var path = $"gradient_booster.model.trees[{index}]";
        var left = Ints(tree, "left_children", path);
        var right = Ints(tree, "right_children", path);
        var features = Ints(tree, "split_indices", path);
        var conditions = Property(tree, "split_conditions", path).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble()).ToArray();
        var defaultLeft = Property(tree, "default_left", path).EnumerateArray()
            .Select(e => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : e.GetInt32() != 0).ToArray();
        var count = left.Length;
        if (right.Length != count || features.Length != count || conditions.Length != count || defaultLeft.Length != count || count == 0)
        {
            throw new ModelImportException($"{path}: the node arrays have different lengths (or none).");
        }

        var categorical = tree.TryGetProperty("split_type", out var splitTypes)
            ? splitTypes.EnumerateArray().Select(e => e.GetInt32()).ToArray()
            : new int[count];
        if (categorical.Length != count || categorical.Any(t => t is not (0 or 1)))
        {
            throw new ModelImportException($"{path}.split_type must hold 0 (numeric) or 1 (categorical) for each node.");
        }

        var categories = Categories(tree, path);

        // Deleted nodes may be reused by pruning, so ids do not follow tree order: walk from the root.
        var handles = new int[count];
        var seen = new bool[count];
        var order = new List<int>(count);
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (seen[id])
            {
                throw new ModelImportException($"{path}: node {id} is reached twice.");
            }

            seen[id] = true;
            order.Add(id);
            if (left[id] == -1)
            {
                handles[id] = builder.AddLeaf(group, (float)conditions[id] * weight);
                continue;
            }

            if (left[id] < 0 || right[id] < 0 || left[id] >= count || right[id] >= count)
            {
                throw new ModelImportException($"{path}: node {id} has children {left[id]} and {right[id]}; the tree has {count} nodes.");
            }

            if (categorical[id] == 1)
            {
                // A category in the node's set goes right, any other (negative or unseen included) left.
                var set = categories.TryGetValue(id, out var values) ? values : throw new ModelImportException($"{path}: categorical node {id} has no categories.");
                handles[id] = builder.AddSplit(features[id], SplitRule.Member, 0, missingToTrue: !defaultLeft[id], new CategorySet(set));
            }
            else
            {
                // x < split_condition goes left; the condition is a float in XGBoost, so compare against that float.
                handles[id] = builder.AddSplit(features[id], SplitRule.Less, (float)conditions[id], missingToTrue: defaultLeft[id]);
            }

            stack.Push(right[id]);
            stack.Push(left[id]);
        }

        foreach (var id in order)
        {
            if (left[id] != -1)
            {
                if (categorical[id] == 1)
                {
                    builder.SetChildren(handles[id], handles[right[id]], handles[left[id]]);
                }
                else
                {
                    builder.SetChildren(handles[id], handles[left[id]], handles[right[id]]);
                }
            }
        }

        return handles[0];
    }

    /// <summary>The category set of each categorical node: categories[segments[i] .. + sizes[i]] belong to node categories_nodes[i].</summary>
    private static Dictionary<int, int[]> Categories(JsonElement tree, string path)
    {
        var result = new Dictionary<int, int[]>();
        if (!tree.TryGetProperty("categories_nodes", out var nodesElement))
        {
            return result;
        }

        var nodes = nodesElement.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var segments = Ints(tree, "categories_segments", path);
        var sizes = Ints(tree, "categories_sizes", path);
        var values = Ints(tree, "categories", path);
        if (segments.Length != nodes.Length || sizes.Length != nodes.Length)
        {
            throw new ModelImportException($"{path}: categories_nodes, categories_segments and categories_sizes differ in length.");
        }

        for (var i = 0; i < nodes.Length; i++)
        {
            if (segments[i] < 0 || sizes[i] < 0 || segments[i] + sizes[i] > values.Length)
            {
                throw new ModelImportException($"{path}: the categories of node {nodes[i]} lie outside 'categories'.");
            }

            result[nodes[i]] = values[segments[i]..(segments[i] + sizes[i])];
        }

        return result;
    }

    private static double ParseBaseScore(JsonElement element)
    {
        // 1.x writes "5E-1"; 2.x writes "[5E-1]".
        var text = element.ValueKind == JsonValueKind.Number ? element.GetRawText() : element.GetString()!.Trim('[', ']', ' ');
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string[] ReadFeatureNames(JsonElement learner, int featureCount)
    {
        if (learner.TryGetProperty("feature_names", out var names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() == featureCount)
        {
            var given = names.EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray();
            if (given.All(n => n.Length > 0) && given.Distinct(StringComparer.Ordinal).Count() == given.Length)
            {
                return given;
            }
        }

        return [.. Enumerable.Range(0, featureCount).Select(i => $"f{i}")];
    }

    private static int IntParam(JsonElement parameters, string name)
    {
        var element = Property(parameters, name, "learner_model_param");
        var text = element.ValueKind == JsonValueKind.Number ? element.GetRawText() : element.GetString()!;
        return (int)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static int[] Ints(JsonElement tree, string name, string path) =>
        [.. Property(tree, name, path).EnumerateArray().Select(e => e.GetInt32())];

    private static JsonElement Property(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new ModelImportException($"{path}.{name} is missing: this is not an XGBoost JSON model (save it with save_model(\"model.json\")).");
}
