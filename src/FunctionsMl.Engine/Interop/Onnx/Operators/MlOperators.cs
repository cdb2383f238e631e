using FunctionsMl.Engine.Interop.Onnx.Kernels;

namespace FunctionsMl.Engine.Interop.Onnx.Operators;

/// <summary>The ai.onnx.ml operators besides the tree ensembles.</summary>
internal static class MlOperators
{
    private static readonly OnnxElementType[] Numeric = [OnnxElementType.Float, OnnxElementType.Double, OnnxElementType.Int64];

    public static OnnxKernel LinearClassifier(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numeric);
        TreeOperators.RequireMatrix(context, input);
        var width = (int)input.Shape.RowWidth;
        var labels = ClassLabels.Read(context, "classlabels_ints");
        var coefficients = context.Attributes.Floats("coefficients")?.Select(f => (double)f).ToArray() ?? throw context.Error("attribute 'coefficients' is required.");
        var intercepts = context.Attributes.Floats("intercepts")?.Select(f => (double)f).ToArray() ?? [];
        context.Attributes.Ignore("multi_class"); // Unused by the spec's reference and by ORT.
        var transform = PostTransforms.FromString(context);
        if (coefficients.Length == 0 || coefficients.Length % width != 0)
        {
            throw context.Error($"coefficients has {coefficients.Length} values, not a multiple of the {width} input features.");
        }

        var classes = coefficients.Length / width;
        if (intercepts.Length is not 0 && intercepts.Length != classes)
        {
            throw context.Error($"intercepts has {intercepts.Length} values; {classes} are expected.");
        }

        var columns = classes == 1 && labels.Count == 2 ? 2 : classes;
        if (columns > 1 && labels.Count < columns)
        {
            throw context.Error($"there are {columns} score columns but {labels.Count} class labels.");
        }

        var label = context.Output(0, labels.Type, new TensorShape(Dim.Rows()));
        var scores = context.Output(1, OnnxElementType.Float, new TensorShape(Dim.Rows(), Dim.Fixed(columns)));
        return new LinearClassifierKernel(input, label, scores, coefficients, intercepts, classes, columns, labels, transform);
    }

    public static OnnxKernel LinearRegressor(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numeric);
        TreeOperators.RequireMatrix(context, input);
        var width = (int)input.Shape.RowWidth;
        var targets = (int)context.Attributes.Int("targets", 1);
        var coefficients = context.Attributes.Floats("coefficients")?.Select(f => (double)f).ToArray() ?? throw context.Error("attribute 'coefficients' is required.");
        var intercepts = context.Attributes.Floats("intercepts")?.Select(f => (double)f).ToArray() ?? [];
        var transform = PostTransforms.FromString(context);
        if (targets < 1 || coefficients.Length != targets * width)
        {
            throw context.Error($"coefficients has {coefficients.Length} values; targets ({targets}) × features ({width}) are expected.");
        }

        if (intercepts.Length is not 0 && intercepts.Length != targets)
        {
            throw context.Error($"intercepts has {intercepts.Length} values; {targets} are expected.");
        }

        var output = context.Output(0, OnnxElementType.Float, new TensorShape(Dim.Rows(), Dim.Fixed(targets)))!;
        return new LinearRegressorKernel(input, output, coefficients, intercepts, targets, transform);
    }

    public static OnnxKernel Scaler(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numeric);
        var width = input.Shape.Rank == 0 ? 1 : input.Shape[input.Shape.Rank - 1].Size;
        var offset = context.Attributes.Floats("offset")?.Select(f => (double)f).ToArray() ?? [0.0];
        var scale = context.Attributes.Floats("scale")?.Select(f => (double)f).ToArray() ?? [1.0];
        if (offset.Length is not 1 && offset.Length != width || scale.Length is not 1 && scale.Length != width)
        {
            throw context.Error($"offset ({offset.Length}) and scale ({scale.Length}) must have 1 value or one per feature ({width}).");
        }

        if (input.Shape.Rank > 0 && input.Shape[input.Shape.Rank - 1].PerRow && (offset.Length > 1 || scale.Length > 1))
        {
            throw context.Error("per-feature offset and scale need a fixed last dimension.");
        }

        var output = context.Output(0, OnnxElementType.Float, input.Shape)!;
        return new ScalerKernel(input, output, offset, scale);
    }

    public static OnnxKernel Normalizer(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numeric);
        if (input.Shape.Rank != 2 || !input.Shape[0].PerRow)
        {
            throw context.Error($"input '{input.Name}' must have shape [N, F]; it has {input.Shape}.");
        }

        var norm = context.Attributes.StringIn("norm", "MAX", "MAX", "L1", "L2");
        return new NormalizerKernel(input, context.Output(0, OnnxElementType.Float, input.Shape)!, norm);
    }

    public static OnnxKernel Binarizer(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numeric);
        var threshold = context.Attributes.Float("threshold", 0f);
        var output = context.Output(0, input.Type, input.Shape)!;
        return input.Type switch
        {
            OnnxElementType.Float => new BinarizerKernel<float>(input, output, threshold),
            OnnxElementType.Double => new BinarizerKernel<double>(input, output, threshold),
            _ => new BinarizerKernel<long>(input, output, (long)Math.Floor(threshold)),
        };
    }

    public static OnnxKernel Imputer(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, Numeric);
        var floats = context.Attributes.Floats("imputed_value_floats");
        var ints = context.Attributes.Ints("imputed_value_int64s");
        var replacedFloat = context.Attributes.Float("replaced_value_float", 0f);
        var replacedInt = context.Attributes.Int("replaced_value_int64", 0);
        var width = input.Shape.RowWidth;
        var values = (Array?)(floats is { Length: > 0 } ? floats : null) ?? (ints is { Length: > 0 } ? ints : throw context.Error("one of imputed_value_floats and imputed_value_int64s must be set."));
        if (values.Length != 1 && values.Length != width)
        {
            throw context.Error($"the imputed values ({values.Length}) must be 1 or one per feature ({width}).");
        }

        var output = context.Output(0, input.Type, input.Shape)!;
        return input.Type switch
        {
            OnnxElementType.Float when floats is { Length: > 0 } => new ImputerKernel<float>(input, output, replacedFloat, floats),
            OnnxElementType.Double when floats is { Length: > 0 } => new ImputerKernel<double>(input, output, replacedFloat, [.. floats.Select(f => (double)f)]),
            OnnxElementType.Int64 when ints is { Length: > 0 } => new ImputerKernel<long>(input, output, replacedInt, ints),
            _ => throw context.Error($"a {input.Type} input needs imputed_value_{(input.Type == OnnxElementType.Int64 ? "int64s" : "floats")}."),
        };
    }

    public static OnnxKernel OneHotEncoder(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, OnnxElementType.Float, OnnxElementType.Double, OnnxElementType.Int64, OnnxElementType.String);
        var ints = context.Attributes.Ints("cats_int64s");
        var strings = context.Attributes.Strings("cats_strings");
        context.Attributes.IntIn("zeros", 1, 0, 1);
        Dictionary<long, int>? intMap = null;
        Dictionary<string, int>? stringMap = null;
        int categories;
        if (input.Type == OnnxElementType.String)
        {
            stringMap = Index(strings ?? throw context.Error("a string input needs cats_strings."), StringComparer.Ordinal);
            categories = strings.Length;
        }
        else
        {
            intMap = Index(ints ?? throw context.Error("a numeric input needs cats_int64s."), EqualityComparer<long>.Default);
            categories = ints.Length;
        }

        if (categories == 0)
        {
            throw context.Error("the category list is empty.");
        }

        var shape = new TensorShape([.. input.Shape.Dims, Dim.Fixed(categories)]);
        return new OneHotEncoderKernel(input, context.Output(0, OnnxElementType.Float, shape)!, intMap, stringMap, categories);
    }

    /// <summary>LabelEncoder v1 (classes_strings), v2 (keys_*/values_*) and v4 (keys_tensor/values_tensor/default_tensor).</summary>
    public static OnnxKernel LabelEncoder(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, OnnxElementType.Float, OnnxElementType.Double, OnnxElementType.Int64, OnnxElementType.String);
        var a = context.Attributes;
        if (context.Opset < 2)
        {
            var classes = a.Strings("classes_strings") ?? throw context.Error("attribute 'classes_strings' is required.");
            var defaultInt = a.Int("default_int64", -1);
            var defaultString = a.String("default_string", "_Unused");
            if (input.Type == OnnxElementType.String)
            {
                var map = new Dictionary<string, long>(StringComparer.Ordinal);
                for (var i = 0; i < classes.Length; i++)
                {
                    map.TryAdd(classes[i], i);
                }

                return new LabelEncoderKernel<string, long>(input, context.Output(0, OnnxElementType.Int64, input.Shape)!, map, defaultInt, false, defaultInt);
            }

            if (input.Type != OnnxElementType.Int64)
            {
                throw context.Error($"LabelEncoder v1 maps strings and integers, not {input.Type}.");
            }

            var reverse = classes.Select((c, i) => ((long)i, c)).ToDictionary(p => p.Item1, p => p.c);
            return new LabelEncoderKernel<long, string>(input, context.Output(0, OnnxElementType.String, input.Shape)!, reverse, defaultString, false, defaultString);
        }

        var (keys, keyType) = Keys(context, "keys");
        var (values, valueType) = Keys(context, "values");
        if (keys.Length != values.Length)
        {
            throw context.Error($"there are {keys.Length} keys but {values.Length} values.");
        }

        if (!SameFamily(keyType, input.Type))
        {
            throw context.Error($"the keys are {keyType} but input '{input.Name}' is {input.Type}.");
        }

        var fallback = Default(context, valueType);
        var output = context.Output(0, valueType, input.Shape)!;
        return (input.Type, valueType) switch
        {
            (OnnxElementType.String, OnnxElementType.String) => Encoder<string, string>(input, output, keys, values, fallback),
            (OnnxElementType.String, OnnxElementType.Int64) => Encoder<string, long>(input, output, keys, values, fallback),
            (OnnxElementType.String, OnnxElementType.Float) => Encoder<string, float>(input, output, keys, values, fallback),
            (OnnxElementType.Int64, OnnxElementType.String) => Encoder<long, string>(input, output, keys, values, fallback),
            (OnnxElementType.Int64, OnnxElementType.Int64) => Encoder<long, long>(input, output, keys, values, fallback),
            (OnnxElementType.Int64, OnnxElementType.Float) => Encoder<long, float>(input, output, keys, values, fallback),
            (OnnxElementType.Float, OnnxElementType.String) => Encoder<float, string>(input, output, keys, values, fallback),
            (OnnxElementType.Float, OnnxElementType.Int64) => Encoder<float, long>(input, output, keys, values, fallback),
            (OnnxElementType.Float, OnnxElementType.Float) => Encoder<float, float>(input, output, keys, values, fallback),
            _ => throw context.Error($"mapping {input.Type} to {valueType} is not supported."),
        };
    }

    public static OnnxKernel ArrayFeatureExtractor(NodeContext context)
    {
        context.ExpectInputs(2, 2);
        var input = context.Input(0);
        var indices = context.ConstantInput(1, "indices").AsLongs();
        if (input.Shape.Rank < 2 || input.Shape[input.Shape.Rank - 1].PerRow)
        {
            throw context.Error($"input '{input.Name}' must have shape [N, ..., D] with D fixed; it has {input.Shape}.");
        }

        var width = input.Shape[input.Shape.Rank - 1].Size;
        if (indices.Length == 0 || indices.Any(i => i < 0 || i >= width))
        {
            throw context.Error($"the indices must lie in [0, {width}); they are [{string.Join(", ", indices)}].");
        }

        var shape = new TensorShape([.. input.Shape.Dims[..^1], Dim.Fixed(indices.Length)]);
        var output = context.Output(0, input.Type, shape)!;
        var ids = indices.Select(i => (int)i).ToArray();
        return input.Type switch
        {
            OnnxElementType.Float => new ArrayFeatureExtractorKernel<float>(input, output, ids),
            OnnxElementType.Double => new ArrayFeatureExtractorKernel<double>(input, output, ids),
            OnnxElementType.Int64 => new ArrayFeatureExtractorKernel<long>(input, output, ids),
            OnnxElementType.String => new ArrayFeatureExtractorKernel<string>(input, output, ids),
            _ => new ArrayFeatureExtractorKernel<bool>(input, output, ids),
        };
    }

    /// <summary>ZipMap: the probabilities as a map per row. Here it is the same [N, C] floats, with the labels as keys.</summary>
    public static OnnxKernel ZipMap(NodeContext context)
    {
        context.ExpectInputs(1, 1);
        var input = context.InputOfType(0, OnnxElementType.Float);
        var labels = ClassLabels.Read(context, "classlabels_int64s");
        if (input.Shape.Rank != 2 || input.Shape[1].Size != labels.Count || input.Shape[1].PerRow)
        {
            throw context.Error($"input '{input.Name}' must have shape [N, {labels.Count}] (one column per label); it has {input.Shape}.");
        }

        var output = context.Output(0, OnnxElementType.Float, input.Shape, mapKeys: labels.AsText)!;
        return new CopyKernel<float>(input, output);
    }

    public static OnnxKernel FeatureVectorizer(NodeContext context)
    {
        var inputs = Enumerable.Range(0, context.InputCount).Select(i => context.InputOfType(i, Numeric)).ToArray();
        var dimensions = context.Attributes.Ints("inputdimensions")?.Select(d => (int)d).ToArray() ?? throw context.Error("attribute 'inputdimensions' is required.");
        if (dimensions.Length != inputs.Length || dimensions.Any(d => d < 1) || inputs.Any(i => i.Shape.Rank != 2 || !i.Shape[0].PerRow))
        {
            throw context.Error("needs one inputdimensions entry per [N, d] input.");
        }

        var output = context.Output(0, OnnxElementType.Float, new TensorShape(Dim.Rows(), Dim.Fixed(dimensions.Sum())))!;
        return new FeatureVectorizerKernel(inputs, output, dimensions);
    }

    private static LabelEncoderKernel<TKey, TValue> Encoder<TKey, TValue>(OnnxValue input, OnnxValue output, Array keys, Array values, Array fallback)
        where TKey : notnull
    {
        var map = new Dictionary<TKey, TValue>();
        var nanKey = false;
        var nanValue = default(TValue)!;
        for (var i = 0; i < keys.Length; i++)
        {
            var key = Convert<TKey>(keys.GetValue(i)!);
            var value = Convert<TValue>(values.GetValue(i)!);
            if (key is float f && float.IsNaN(f))
            {
                nanKey = true;
                nanValue = value;
                continue;
            }

            map[key] = value; // The last duplicate key wins (LabelEncoder v4).
        }

        return new LabelEncoderKernel<TKey, TValue>(input, output, map, Convert<TValue>(fallback.GetValue(0)!), nanKey, nanValue);
    }

    private static T Convert<T>(object value) => value switch
    {
        T typed => typed,
        double d when typeof(T) == typeof(float) => (T)(object)(float)d,
        _ => (T)System.Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture),
    };

    private static (Array Values, OnnxElementType Type) Keys(NodeContext context, string prefix)
    {
        var a = context.Attributes;
        var found = new List<(Array, OnnxElementType)>();
        if (a.Floats($"{prefix}_floats") is { } floats)
        {
            found.Add((floats, OnnxElementType.Float));
        }

        if (a.Ints($"{prefix}_int64s") is { } ints)
        {
            found.Add((ints, OnnxElementType.Int64));
        }

        if (a.Strings($"{prefix}_strings") is { } strings)
        {
            found.Add((strings, OnnxElementType.String));
        }

        if (context.Opset >= 4 && a.Tensor($"{prefix}_tensor") is { } tensor)
        {
            found.Add((tensor.Type == OnnxElementType.Double ? tensor.AsDoubles().Select(d => (float)d).ToArray() : tensor.Data, tensor.Type == OnnxElementType.Double ? OnnxElementType.Float : tensor.Type));
        }

        return found.Count == 1 ? found[0] : throw context.Error($"exactly one of {prefix}_floats, {prefix}_int64s, {prefix}_strings{(context.Opset >= 4 ? $", {prefix}_tensor" : string.Empty)} must be set.");
    }

    private static Array Default(NodeContext context, OnnxElementType type)
    {
        var a = context.Attributes;
        var floatDefault = a.Float("default_float", -0.0f);
        var intDefault = a.Int("default_int64", -1);
        var stringDefault = a.String("default_string", "_Unused");
        if (context.Opset >= 4 && a.Tensor("default_tensor") is { } tensor)
        {
            return tensor.Type == OnnxElementType.Double ? new[] { (float)tensor.AsDoubles()[0] } : tensor.Data;
        }

        return type switch
        {
            OnnxElementType.Float => new[] { floatDefault },
            OnnxElementType.Int64 => new[] { intDefault },
            _ => new[] { stringDefault },
        };
    }

    private static bool SameFamily(OnnxElementType keys, OnnxElementType input) =>
        keys == input || (keys == OnnxElementType.Float && input == OnnxElementType.Double);

    private static Dictionary<T, int> Index<T>(T[] values, IEqualityComparer<T> comparer)
        where T : notnull
    {
        var index = new Dictionary<T, int>(comparer);
        for (var i = 0; i < values.Length; i++)
        {
            index.TryAdd(values[i], i);
        }

        return index;
    }
}
