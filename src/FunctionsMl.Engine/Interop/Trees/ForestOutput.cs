namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>How a native tree model turns its summed margins into predictions.</summary>
internal enum ForestOutput
{
    /// <summary>The margin itself (regression, ranking).</summary>
    Identity,

    /// <summary>σ(scale · margin): binary probability of class 1, or one per class unnormalised (LightGBM multiclassova).</summary>
    Sigmoid,

    /// <summary>Softmax over the class margins.</summary>
    Softmax,

    /// <summary>e^margin (Poisson, gamma, Tweedie, Cox).</summary>
    Exp,

    /// <summary>XGBoost binary:hinge: class 1 when the margin is positive.</summary>
    Hinge,

    /// <summary>LightGBM <c>reg_sqrt</c>: the model was fitted to sign(y)·√|y|, so predictions are squared back.</summary>
    SignedSquare,
}
