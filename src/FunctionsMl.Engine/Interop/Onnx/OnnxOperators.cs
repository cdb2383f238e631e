using System.Diagnostics.CodeAnalysis;
using FunctionsMl.Engine.Interop.Onnx.Kernels;
using FunctionsMl.Engine.Interop.Onnx.Operators;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>Every supported operator by (domain, op type). Anything else is refused at load, named.</summary>
internal static class OnnxOperators
{
    private const string Ml = OnnxGraphCompiler.MlDomain;

    private static readonly Dictionary<(string Domain, string OpType), OnnxOperator> Table = Build();

    /// <summary>The supported operators, ML ones prefixed with their domain, for messages and documentation.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. Table.Keys.OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.OpType, StringComparer.Ordinal).Select(k => k.Domain.Length == 0 ? k.OpType : $"{k.Domain}.{k.OpType}")];

    public static bool TryGet(string domain, string opType, [NotNullWhen(true)] out OnnxOperator? factory) =>
        Table.TryGetValue((domain, opType), out factory);

    private static Dictionary<(string, string), OnnxOperator> Build()
    {
        var table = new Dictionary<(string, string), OnnxOperator>
        {
            [(Ml, "TreeEnsembleClassifier")] = TreeOperators.Classifier,
            [(Ml, "TreeEnsembleRegressor")] = TreeOperators.Regressor,
            [(Ml, "TreeEnsemble")] = TreeOperators.TreeEnsemble,
            [(Ml, "LinearClassifier")] = MlOperators.LinearClassifier,
            [(Ml, "LinearRegressor")] = MlOperators.LinearRegressor,
            [(Ml, "Scaler")] = MlOperators.Scaler,
            [(Ml, "Normalizer")] = MlOperators.Normalizer,
            [(Ml, "OneHotEncoder")] = MlOperators.OneHotEncoder,
            [(Ml, "LabelEncoder")] = MlOperators.LabelEncoder,
            [(Ml, "Imputer")] = MlOperators.Imputer,
            [(Ml, "Binarizer")] = MlOperators.Binarizer,
            [(Ml, "ArrayFeatureExtractor")] = MlOperators.ArrayFeatureExtractor,
            [(Ml, "ZipMap")] = MlOperators.ZipMap,
            [(Ml, "FeatureVectorizer")] = MlOperators.FeatureVectorizer,
            [("", "Constant")] = CoreOperators.Constant,
            [("", "Identity")] = CoreOperators.Identity,
            [("", "Cast")] = CoreOperators.Cast,
            [("", "Reshape")] = CoreOperators.Reshape,
            [("", "Flatten")] = CoreOperators.Flatten,
            [("", "Squeeze")] = CoreOperators.Squeeze,
            [("", "Unsqueeze")] = CoreOperators.Unsqueeze,
            [("", "Concat")] = CoreOperators.Concat,
            [("", "Transpose")] = CoreOperators.Transpose,
            [("", "Gather")] = CoreOperators.Gather,
            [("", "MatMul")] = CoreOperators.MatMul,
            [("", "Gemm")] = CoreOperators.Gemm,
            [("", "Softmax")] = CoreOperators.Softmax(log: false),
            [("", "LogSoftmax")] = CoreOperators.Softmax(log: true),
            [("", "ArgMax")] = CoreOperators.ArgExtreme(max: true),
            [("", "ArgMin")] = CoreOperators.ArgExtreme(max: false),
            [("", "Where")] = CoreOperators.Where,
            [("", "Clip")] = CoreOperators.Clip,
            [("", "Not")] = CoreOperators.Not,
            [("", "IsNaN")] = CoreOperators.IsNaN,
            [("", "ReduceSum")] = CoreOperators.Reduce(ReduceKind.Sum, 13),
            [("", "ReduceMean")] = CoreOperators.Reduce(ReduceKind.Mean, 18),
            [("", "ReduceMax")] = CoreOperators.Reduce(ReduceKind.Max, 18),
            [("", "ReduceMin")] = CoreOperators.Reduce(ReduceKind.Min, 18),
            [("", "ReduceProd")] = CoreOperators.Reduce(ReduceKind.Prod, 18),
            [("", "ReduceSumSquare")] = CoreOperators.Reduce(ReduceKind.SumSquare, 18),
            [("", "ReduceL1")] = CoreOperators.Reduce(ReduceKind.L1, 18),
            [("", "ReduceL2")] = CoreOperators.Reduce(ReduceKind.L2, 18),
        };
        foreach (var name in new[] { "Exp", "Log", "Sqrt", "Tanh", "Sigmoid", "Reciprocal", "Floor", "Ceil" })
        {
            table[("", name)] = CoreOperators.Unary(name, realOnly: true);
        }

        foreach (var name in new[] { "Abs", "Neg", "Relu" })
        {
            table[("", name)] = CoreOperators.Unary(name, realOnly: false);
        }

        foreach (var name in new[] { "Add", "Sub", "Mul", "Div", "Pow", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Equal", "And", "Or", "Xor" })
        {
            table[("", name)] = CoreOperators.Binary(name);
        }

        return table;
    }
}
