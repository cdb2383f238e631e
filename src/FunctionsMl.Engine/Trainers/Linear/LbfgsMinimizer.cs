namespace FunctionsMl.Engine.Trainers.Linear;

/// <summary>Why <see cref="LbfgsMinimizer"/> stopped.</summary>
internal enum LbfgsStop
{
    /// <summary>The gradient norm fell to the tolerance times its starting norm.</summary>
    Converged,

    /// <summary>The iteration budget ran out first.</summary>
    MaxIterations,

    /// <summary>No step decreased the objective any more (the limit of double precision).</summary>
    NoProgress,
}

internal readonly record struct LbfgsResult(LbfgsStop Stop, int Iterations, int Evaluations, double Value, double GradientNorm, double InitialGradientNorm);

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, algorithm 7.4): the last <c>historySize</c> steps and gradient
/// changes stand in for the inverse Hessian through the two-loop recursion, and a strong-Wolfe line search
/// keeps every remembered pair's curvature positive. Fully deterministic.
/// </summary>
internal sealed class LbfgsMinimizer(int historySize, int maxIterations, double tolerance)
{
    /// <summary>A step/gradient pair with less curvature than this, relative to ‖y‖², is not remembered.</summary>
    private const double MinCurvature = 1e-12;

    /// <summary>
    /// Minimises <paramref name="objective"/> starting from <paramref name="x"/>, which receives the result.
    /// <paramref name="onIteration"/> sees each iteration's number, value and gradient norm.
    /// </summary>
    public LbfgsResult Minimize(IObjective objective, double[] x, Action<int, double, double>? onIteration, CancellationToken cancellationToken)
    {
        var n = objective.Dimension;
        var gradient = new double[n];
        var value = objective.Evaluate(x, gradient);
        var evaluations = 1;
        var gradientNorm = VectorMath.Norm(gradient);
        var initialNorm = gradientNorm;
        if (!double.IsFinite(value) || !double.IsFinite(gradientNorm))
        {
            throw new ArgumentException("The training objective is not finite at the starting point; check the features for extreme values.");
        }

        if (gradientNorm == 0)
        {
            return new LbfgsResult(LbfgsStop.Converged, 0, evaluations, value, 0, 0);
        }

        var threshold = tolerance * initialNorm;
        var history = new History(historySize, n);
        var direction = new double[n];
        var lineSearch = new WolfeLineSearch(objective);
        var stop = LbfgsStop.MaxIterations;
        var iteration = 0;
        while (iteration < maxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iteration++;
            history.Direction(gradient, direction);
            var slope = VectorMath.Dot(direction, gradient);
            if (!(slope < 0))
            {
                // Rounding can spoil the curvature model; restart from steepest descent.
                history.Clear();
                history.Direction(gradient, direction);
                slope = -gradientNorm * gradientNorm;
            }

            // Without history the direction is -g, whose natural scale is unknown: start with a unit-length step.
            var initialStep = history.Count == 0 ? Math.Min(1.0, 1.0 / gradientNorm) : 1.0;
            var found = lineSearch.Search(x, value, slope, direction, initialStep);
            evaluations += lineSearch.Evaluations;
            if (!found)
            {
                if (history.Count == 0)
                {
                    stop = LbfgsStop.NoProgress;
                    break;
                }

                history.Clear();
                continue;
            }

            history.Remember(x, gradient, lineSearch.ResultX, lineSearch.ResultGradient);
            lineSearch.ResultX.CopyTo(x, 0);
            lineSearch.ResultGradient.CopyTo(gradient, 0);
            value = lineSearch.ResultValue;
            gradientNorm = VectorMath.Norm(gradient);
            onIteration?.Invoke(iteration, value, gradientNorm);
            if (gradientNorm <= threshold)
            {
                stop = LbfgsStop.Converged;
                break;
            }
        }

        return new LbfgsResult(stop, iteration, evaluations, value, gradientNorm, initialNorm);
    }

    /// <summary>The remembered (s, y) pairs in a ring, and the two-loop recursion over them.</summary>
    private sealed class History(int capacity, int dimension)
    {
        private readonly double[][] _steps = NewBlocks(capacity, dimension);
        private readonly double[][] _changes = NewBlocks(capacity, dimension);
        private readonly double[] _inverseCurvatures = new double[capacity];
        private readonly double[] _alphas = new double[capacity];
        private int _newest = -1;

        public int Count { get; private set; }

        public void Clear()
        {
            Count = 0;
            _newest = -1;
        }

        public void Remember(double[] x, double[] gradient, double[] nextX, double[] nextGradient)
        {
            // Check the pair before writing it: when the ring is full its slot holds the oldest pair still in use.
            double curvature = 0, changeNorm = 0;
            for (var i = 0; i < dimension; i++)
            {
                var change = nextGradient[i] - gradient[i];
                curvature += (nextX[i] - x[i]) * change;
                changeNorm += change * change;
            }

            if (!(curvature > MinCurvature * changeNorm))
            {
                return;
            }

            var slot = (_newest + 1) % capacity;
            for (var i = 0; i < dimension; i++)
            {
                _steps[slot][i] = nextX[i] - x[i];
                _changes[slot][i] = nextGradient[i] - gradient[i];
            }

            _inverseCurvatures[slot] = 1 / curvature;
            _newest = slot;
            Count = Math.Min(Count + 1, capacity);
        }

        /// <summary>direction = −H·gradient, H the L-BFGS inverse-Hessian approximation.</summary>
        public void Direction(double[] gradient, double[] direction)
        {
            for (var i = 0; i < dimension; i++)
            {
                direction[i] = -gradient[i];
            }

            if (Count == 0)
            {
                return;
            }

            for (var k = 0; k < Count; k++)
            {
                var slot = Slot(k);
                _alphas[slot] = _inverseCurvatures[slot] * VectorMath.Dot(_steps[slot], direction);
                VectorMath.AddScaled(-_alphas[slot], _changes[slot], direction);
            }

            // Scale the initial inverse Hessian by sᵀy / yᵀy of the newest pair (Nocedal and Wright, eq. 7.20).
            var newestChange = _changes[_newest];
            var gamma = 1 / (_inverseCurvatures[_newest] * VectorMath.Dot(newestChange, newestChange));
            for (var i = 0; i < dimension; i++)
            {
                direction[i] *= gamma;
            }

            for (var k = Count - 1; k >= 0; k--)
            {
                var slot = Slot(k);
                var beta = _inverseCurvatures[slot] * VectorMath.Dot(_changes[slot], direction);
                VectorMath.AddScaled(_alphas[slot] - beta, _steps[slot], direction);
            }
        }

        /// <summary>The slot of the k-th newest pair (0 = newest).</summary>
        private int Slot(int k) => ((_newest - k) % capacity + capacity) % capacity;

        private static double[][] NewBlocks(int count, int length)
        {
            var blocks = new double[count][];
            for (var i = 0; i < count; i++)
            {
                blocks[i] = new double[length];
            }

            return blocks;
        }
    }
}
