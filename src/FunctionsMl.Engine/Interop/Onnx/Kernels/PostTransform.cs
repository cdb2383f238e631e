using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.Onnx.Kernels;

/// <summary>The ai.onnx.ml score transforms.</summary>
internal enum PostTransform
{
    None,
    Logistic,
    Softmax,
    SoftmaxZero,
    Probit,
}

internal static class PostTransforms
{
    public static readonly string[] Names = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"];

    /// <summary>The legacy string attribute (TreeEnsembleClassifier/Regressor, Linear*).</summary>
    public static PostTransform FromString(NodeContext context) =>
        context.Attributes.StringIn("post_transform", "NONE", Names) switch
        {
            "LOGISTIC" => PostTransform.Logistic,
            "SOFTMAX" => PostTransform.Softmax,
            "SOFTMAX_ZERO" => PostTransform.SoftmaxZero,
            "PROBIT" => PostTransform.Probit,
            _ => PostTransform.None,
        };

    /// <summary>TreeEnsemble (opset 5): 0 NONE, 1 SOFTMAX, 2 LOGISTIC, 3 SOFTMAX_ZERO, 4 PROBIT, as the spec numbers them.</summary>
    public static PostTransform FromInt(NodeContext context) =>
        context.Attributes.IntIn("post_transform", 0, 0, 1, 2, 3, 4) switch
        {
            1 => PostTransform.Softmax,
            2 => PostTransform.Logistic,
            3 => PostTransform.SoftmaxZero,
            4 => PostTransform.Probit,
            _ => PostTransform.None,
        };

    public static void Apply(PostTransform transform, Span<double> scores)
    {
        switch (transform)
        {
            case PostTransform.Logistic:
                for (var i = 0; i < scores.Length; i++)
                {
                    scores[i] = ScoreMath.Sigmoid(scores[i]);
                }

                break;
            case PostTransform.Softmax:
                ScoreMath.Softmax(scores);
                break;
            case PostTransform.SoftmaxZero:
                ScoreMath.SoftmaxZero(scores);
                break;
            case PostTransform.Probit:
                for (var i = 0; i < scores.Length; i++)
                {
                    scores[i] = ScoreMath.Probit(scores[i]);
                }

                break;
        }
    }
}
