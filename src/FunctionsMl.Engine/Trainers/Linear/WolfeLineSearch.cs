namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>
/// Finds a step along a descent direction that satisfies the strong Wolfe conditions (Nocedal and Wright,
/// Numerical Optimization, algorithms 3.5 and 3.6): enough decrease, and a slope flat enough that the
/// L-BFGS curvature pair stays positive. Each trial evaluates value and gradient together, and the zoom
/// phase interpolates with a safeguarded cubic through the two bracketing points.
/// </summary>
internal sealed class WolfeLineSearch
{
    /// <summary>Sufficient-decrease constant, the usual choice for quasi-Newton methods.</summary>
    private const double DecreaseFactor = 1e-4;

    /// <summary>Curvature constant; 0.9 accepts the first reasonable step, which suits L-BFGS.</summary>
    private const double CurvatureFactor = 0.9;

    private const int MaxEvaluations = 25;

    private readonly IObjective _objective;
    private double[] _trialX;
    private double[] _trialGradient;
    private double[] _lowX;
    private double[] _lowGradient;

    public WolfeLineSearch(IObjective objective)
    {
        _objective = objective;
        var n = objective.Dimension;
        _trialX = new double[n];
        _trialGradient = new double[n];
        _lowX = new double[n];
        _lowGradient = new double[n];
    }

    /// <summary>The accepted point after a successful <see cref="Search"/>.</summary>
    public double[] ResultX { get; private set; } = [];

    /// <summary>The gradient at <see cref="ResultX"/>.</summary>
    public double[] ResultGradient { get; private set; } = [];

    public double ResultValue { get; private set; }

    public int Evaluations { get; private set; }

    /// <summary>
    /// Searches along <paramref name="direction"/> from <paramref name="x"/>, where the value is <paramref name="value"/>
    /// and the directional derivative <paramref name="slope"/> (negative). Returns false when no step decreased the value.
    /// </summary>
    public bool Search(double[] x, double value, double slope, double[] direction, double initialStep)
    {
        Evaluations = 0;
        var previousStep = 0.0;
        var previousValue = value;
        var previousSlope = slope;
        var step = initialStep;
        var lowIsSet = false;
        while (Evaluations < MaxEvaluations)
        {
            var (trialValue, trialSlope) = Evaluate(x, direction, step);
            if (!double.IsFinite(trialValue) || trialValue > value + (DecreaseFactor * step * slope) || (Evaluations > 1 && trialValue >= previousValue))
            {
                // Too far: the minimum along the line lies between the previous step and this one.
                return Zoom(x, value, slope, direction, previousStep, previousValue, previousSlope, step, trialValue, trialSlope, lowIsSet);
            }

            if (Math.Abs(trialSlope) <= -CurvatureFactor * slope)
            {
                return AcceptTrial(trialValue);
            }

            KeepTrialAsLow();
            lowIsSet = true;
            if (trialSlope >= 0)
            {
                // Past the minimum but still lower: bracket it between this step and the previous one.
                return Zoom(x, value, slope, direction, step, trialValue, trialSlope, previousStep, previousValue, previousSlope, lowIsSet);
            }

            previousStep = step;
            previousValue = trialValue;
            previousSlope = trialSlope;
            step *= 4;
        }

        return lowIsSet && AcceptLow(previousValue);
    }

    private bool Zoom(
        double[] x, double value, double slope, double[] direction,
        double lowStep, double lowValue, double lowSlope,
        double highStep, double highValue, double highSlope,
        bool lowIsSet)
    {
        while (Evaluations < MaxEvaluations)
        {
            var step = Interpolate(lowStep, lowValue, lowSlope, highStep, highValue, highSlope);
            if (step == lowStep || step == highStep)
            {
                // The bracket has shrunk below double resolution.
                break;
            }

            var (trialValue, trialSlope) = Evaluate(x, direction, step);
            if (!double.IsFinite(trialValue) || trialValue > value + (DecreaseFactor * step * slope) || trialValue >= lowValue)
            {
                highStep = step;
                highValue = trialValue;
                highSlope = trialSlope;
                continue;
            }

            if (Math.Abs(trialSlope) <= -CurvatureFactor * slope)
            {
                return AcceptTrial(trialValue);
            }

            if (trialSlope * (highStep - lowStep) >= 0)
            {
                highStep = lowStep;
                highValue = lowValue;
                highSlope = lowSlope;
            }

            lowStep = step;
            lowValue = trialValue;
            lowSlope = trialSlope;
            KeepTrialAsLow();
            lowIsSet = true;
        }

        // Out of evaluations: the low end still decreases the value enough, which is progress worth keeping.
        return lowIsSet && AcceptLow(lowValue);
    }

    /// <summary>
    /// The minimiser of the cubic through both ends' values and slopes, kept at least a tenth of the bracket
    /// away from either end; bisection when the cubic has no usable minimum.
    /// </summary>
    private static double Interpolate(double a, double fa, double da, double b, double fb, double db)
    {
        var midpoint = 0.5 * (a + b);
        if (!double.IsFinite(fb) || !double.IsFinite(db))
        {
            return midpoint;
        }

        var d1 = da + db - (3 * (fa - fb) / (a - b));
        var squared = (d1 * d1) - (da * db);
        if (squared < 0)
        {
            return midpoint;
        }

        var d2 = Math.Sign(b - a) * Math.Sqrt(squared);
        var step = b - ((b - a) * (db + d2 - d1) / (db - da + (2 * d2)));
        var low = Math.Min(a, b);
        var width = Math.Abs(b - a);
        return double.IsFinite(step) && step >= low + (0.1 * width) && step <= low + (0.9 * width) ? step : midpoint;
    }

    private (double Value, double Slope) Evaluate(double[] x, double[] direction, double step)
    {
        for (var i = 0; i < x.Length; i++)
        {
            _trialX[i] = x[i] + (step * direction[i]);
        }

        Evaluations++;
        var value = _objective.Evaluate(_trialX, _trialGradient);
        return (value, VectorMath.Dot(_trialGradient, direction));
    }

    private void KeepTrialAsLow()
    {
        (_lowX, _trialX) = (_trialX, _lowX);
        (_lowGradient, _trialGradient) = (_trialGradient, _lowGradient);
    }

    private bool AcceptTrial(double value)
    {
        ResultX = _trialX;
        ResultGradient = _trialGradient;
        ResultValue = value;
        return true;
    }

    private bool AcceptLow(double value)
    {
        ResultX = _lowX;
        ResultGradient = _lowGradient;
        ResultValue = value;
        return true;
    }
}
