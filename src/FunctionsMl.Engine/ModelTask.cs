namespace FunctionsMl.Engine;

/// <summary>What a model predicts.</summary>
public enum ModelTask
{
    /// <summary>Two classes; outputs are the probabilities of class 0 and class 1.</summary>
    Binary,

    /// <summary>Three or more classes; outputs are one probability per class (softmax).</summary>
    Multiclass,

    /// <summary>A real value; the output is that value.</summary>
    Regression,
}
