namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// How a compiled ONNX graph maps onto FunctionsMl's served shape: which features feed which graph input, which
/// output is served (class probabilities or a value), the task and the class names.
/// </summary>
internal sealed record OnnxServing(ModelTask Task, OnnxValue Output, int Columns, IReadOnlyList<string> FeatureNames, IReadOnlyList<string>? ClassLabels)
{
    /// <summary>A binary model whose output has one column (P(class 1)); served as [1 − p, p].</summary>
    public bool ExpandBinary => Task == ModelTask.Binary && Columns == 1;

    /// <exception cref="ModelImportException">No output can be served as the task asks; the message says what to pass instead.</exception>
    public static OnnxServing Resolve(OnnxModel model, ModelTask? task, string? outputName)
    {
        var plan = model.Plan;
        var numeric = plan.Outputs.Where(o => o.Type.IsReal() && o.Shape.Rank is 1 or 2 && o.Shape[0] == Dim.Rows() && (o.Shape.Rank == 1 || !o.Shape[1].PerRow)).ToList();
        OnnxValue output;
        if (outputName is not null)
        {
            output = plan.Output(outputName);
            if (!numeric.Contains(output))
            {
                throw new ModelImportException($"output '{outputName}' is {output.Type} {output.Shape}; the served output must be float or double of shape [N] or [N, C].");
            }
        }
        else
        {
            var classifier = task is ModelTask.Binary or ModelTask.Multiclass || (task is null && model.HasClassifier);
            output = (classifier
                ? numeric.FirstOrDefault(o => o.MapKeys is not null) ?? numeric.FirstOrDefault(o => o.Shape.Rank == 2 && o.Shape[1].Size >= 2) ?? numeric.FirstOrDefault()
                : numeric.FirstOrDefault())
                ?? throw new ModelImportException($"no graph output is a float or double tensor of shape [N] or [N, C]; the outputs are {string.Join(", ", plan.Outputs.Select(o => $"'{o.Name}' {o.Type} {o.Shape}"))}.");
        }

        var columns = output.Shape.Rank == 1 ? 1 : (int)output.Shape[1].Size;
        var resolved = task ?? (model.HasClassifier ? (columns <= 2 ? ModelTask.Binary : ModelTask.Multiclass) : ModelTask.Regression);
        switch (resolved)
        {
            case ModelTask.Regression when columns != 1:
                throw new ModelImportException($"output '{output.Name}' has {columns} columns; a regression serves one value. Pass task multiclass to serve them as class probabilities, or pick another output.");
            case ModelTask.Binary when columns > 2:
                throw new ModelImportException($"output '{output.Name}' has {columns} columns; a binary model serves 1 (P(class 1)) or 2. Use task multiclass.");
            case ModelTask.Multiclass when columns < 3:
                throw new ModelImportException($"output '{output.Name}' has {columns} column(s); a multiclass model has 3 or more classes. Use task binary.");
        }

        var width = resolved == ModelTask.Binary ? 2 : columns;
        IReadOnlyList<string>? labels = null;
        if (resolved != ModelTask.Regression)
        {
            labels = output.MapKeys is { } keys && keys.Count == width
                ? keys
                : model.ClassifierLabels.Where(l => l.Count == width).DistinctBy(l => string.Join('\u0001', l)).ToList() is { Count: 1 } found
                    ? found[0]
                    : [.. Enumerable.Range(0, width).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }

        return new OnnxServing(resolved, output, columns, FeatureNamesOf(model), labels);
    }

    private static string[] FeatureNamesOf(OnnxModel model)
    {
        var inputs = model.Plan.Inputs;
        var total = (int)inputs.Sum(i => i.Shape.RowWidth);
        if (model.Metadata.TryGetValue(OnnxModel.FeatureNamesKey, out var text) && ParseNames(text) is { } given && given.Length == total
            && given.All(n => n.Length > 0) && given.Distinct(StringComparer.Ordinal).Count() == total)
        {
            return given;
        }

        if (inputs.Count == 1 && inputs[0].Shape.RowWidth > 1)
        {
            return [.. Enumerable.Range(0, total).Select(i => $"f{i}")];
        }

        var names = inputs.SelectMany(i => i.Shape.RowWidth == 1 ? [i.Name] : Enumerable.Range(0, (int)i.Shape.RowWidth).Select(j => $"{i.Name}_{j}")).ToArray();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ModelImportException("the graph inputs give two features the same name; set metadata 'feature_names' to name them.");
        }

        return names;
    }

    private static string[]? ParseNames(string text)
    {
        text = text.Trim();
        if (text.StartsWith('['))
        {
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<string[]>(text);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

        return [.. text.Split(',').Select(n => n.Trim())];
    }
}
