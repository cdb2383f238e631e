namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>A smooth function to minimise: its value and gradient at a point.</summary>
internal interface IObjective
{
    int Dimension { get; }

    /// <summary>Returns f(x) and writes ∇f(x) into <paramref name="gradient"/>.</summary>
    double Evaluate(double[] x, double[] gradient);
}
