using System.Globalization;
using System.Runtime.CompilerServices;
using FunctionsMl.Engine.Trainers.Gbdt.Binning;
using FunctionsMl.Engine.Trainers.Gbdt.Training;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Trainers.Gbdt;

/// <summary>
/// Histogram gradient-boosted decision trees in the manner of LightGBM: features binned into at most
/// 255 quantile bins, trees grown best leaf first, second-order gains with an L2 penalty, missing values
/// sent the way each split learned. Logistic loss for binary, softmax for multiclass, squared error for
/// regression.
/// </summary>
public sealed class GbdtTrainer(GbdtOptions options) : ITrainer
{
    /// <summary>Rows per unit of parallel work when computing gradients or scoring rows.</summary>
    private const int RowsPerBlock = 8192;

    private const int ProgressEveryRounds = 10;

    /// <summary>
    /// Random streams per purpose: round r's row sample and tree t's features each get their own seeded
    /// stream, so a model does not depend on the order of draws, and changing one option does not shift the other.
    /// </summary>
    private const long StreamRows = 1L << 40;
    private const long StreamFeatures = 2L << 40;

    public string Kind => "gbdt";

    public bool WantsStandardizedFeatures => false;

    public GbdtOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Memory the trainer may keep leaf histograms in; tests lower it to force the rebuild path.</summary>
    internal long HistogramBudgetBytes { get; init; } = HistogramPool.DefaultBudgetBytes;

    /// <summary>Share of rows in one bin that makes a feature sparse; tests raise it above 1 to turn sparse storage off.</summary>
    internal double SparseThreshold { get; init; } = SparseRows.DefaultThreshold;

    IPredictor ITrainer.Fit(LabeledData train, LabeledData? validation, IProgress<string>? progress, CancellationToken cancellationToken) =>
        Fit(train, validation, progress, cancellationToken);

    /// <inheritdoc cref="ITrainer.Fit"/>
    /// <exception cref="OperationCanceledException">Cancelled; checked between trees.</exception>
    public GbdtModel Fit(LabeledData train, LabeledData? validation, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        Options.Validate();
        CheckData(train, "train");
        if (validation is not null)
        {
            CheckData(validation, "validation");
            if (validation.Task != train.Task || validation.ClassCount != train.ClassCount || validation.Features.ColumnCount != train.Features.ColumnCount)
            {
                throw new ArgumentException("The validation set must have the training set's task, classes and features.", nameof(validation));
            }
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.EffectiveThreads };
        var run = new Run(Options, train, validation, parallel, HistogramBudgetBytes, SparseThreshold);
        var earlyStopping = Options.EarlyStoppingRounds > 0;
        if (earlyStopping && validation is null)
        {
            progress?.Report("early stopping is off: no validation set was given");
            earlyStopping = false;
        }

        var bestRound = -1;
        var bestLoss = double.PositiveInfinity;
        var rounds = 0;
        for (var round = 0; round < Options.Trees; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            run.Boost(round, cancellationToken);
            rounds = round + 1;
            var validationLoss = validation is null ? double.NaN : run.ValidationLoss();
            if (validationLoss < bestLoss)
            {
                bestLoss = validationLoss;
                bestRound = round;
            }

            var stop = earlyStopping && round - bestRound >= Options.EarlyStoppingRounds;
            if (progress is not null && (rounds % ProgressEveryRounds == 0 || rounds == Options.Trees || stop))
            {
                progress.Report(run.Status(rounds, validationLoss));
            }

            if (stop)
            {
                progress?.Report(string.Create(CultureInfo.InvariantCulture, $"early stopping after round {rounds}: keeping the best round, {bestRound + 1}, validation {run.LossName} {bestLoss:G6}"));
                break;
            }
        }

        var keptRounds = earlyStopping && bestRound >= 0 ? bestRound + 1 : rounds;
        return run.ToModel(keptRounds);
    }

    private static void CheckData(LabeledData data, string name)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (data.RowCount == 0)
        {
            throw new ArgumentException($"The {name} set has no rows.", name);
        }

        if (data.Labels.Length != data.RowCount)
        {
            throw new ArgumentException($"The {name} set has {data.RowCount} rows but {data.Labels.Length} labels.", name);
        }

        switch (data.Task)
        {
            case ModelTask.Binary when data.ClassCount != 2:
                throw new ArgumentException($"A binary {name} set must have 2 classes, not {data.ClassCount}.", name);
            case ModelTask.Multiclass when data.ClassCount < 2:
                throw new ArgumentException($"A multiclass {name} set needs at least 2 classes, not {data.ClassCount}.", name);
            case ModelTask.Binary or ModelTask.Multiclass or ModelTask.Regression:
                break;
            default:
                throw new ArgumentException($"Unknown task {data.Task}.", name);
        }

        for (var row = 0; row < data.Labels.Length; row++)
        {
            var label = data.Labels[row];
            var valid = data.Task == ModelTask.Regression
                ? float.IsFinite(label)
                : label >= 0 && label < data.ClassCount && label == MathF.Floor(label);
            if (!valid)
            {
                var expected = data.Task == ModelTask.Regression ? "a finite number" : $"a class index in [0, {data.ClassCount})";
                throw new ArgumentException($"Label {label} of {name} row {row} is not {expected}.", name);
            }
        }
    }

    /// <summary>The state of one training run: binned data, raw scores, gradients and the trees so far.</summary>
    private sealed class Run
    {
        private readonly GbdtOptions _options;
        private readonly LabeledData _train;
        private readonly LabeledData? _validation;
        private readonly ParallelOptions _parallel;
        private readonly Objective _objective;
        private readonly int _scoresPerRow;
        private readonly float[] _baseScores;
        private readonly BinnedMatrix _trainBins;
        private readonly BinnedMatrix? _validationBins;
        private readonly double[] _trainScores;
        private readonly double[] _validationScores;
        private readonly GradientPair[][] _gradients;
        private readonly TreeGrower _grower;
        private readonly int[] _splittableFeatures;
        private readonly int[]? _sample;
        private readonly int[]? _outOfSample;
        private readonly bool[]? _inSample;
        private readonly int[]? _featureSample;
        private readonly List<GrownTree> _trees = [];

        public Run(GbdtOptions options, LabeledData train, LabeledData? validation, ParallelOptions parallel, long histogramBudgetBytes, double sparseThreshold)
        {
            _options = options;
            _train = train;
            _validation = validation;
            _parallel = parallel;
            _objective = Objective.For(train.Task, train.ClassCount);
            _scoresPerRow = _objective.ScoreCount;

            var featureBins = QuantileBinner.Fit(train.Features, options.MaxBins, options.Seed, parallel);
            _trainBins = BinnedMatrix.Create(train.Features, featureBins, parallel);
            _validationBins = validation is null ? null : BinnedMatrix.Create(validation.Features, featureBins, parallel);
            _splittableFeatures = [.. Enumerable.Range(0, featureBins.Length).Where(f => featureBins[f].CanSplit)];

            // The model stores floats; boosting starts from exactly what it will add up.
            var baseScores = _objective.BaseScores(train.Labels);
            _baseScores = [.. baseScores.Select(score => (float)score)];
            _trainScores = InitialScores(train.RowCount);
            _validationScores = InitialScores(validation?.RowCount ?? 0);
            _gradients = new GradientPair[_scoresPerRow][];
            for (var k = 0; k < _scoresPerRow; k++)
            {
                _gradients[k] = new GradientPair[train.RowCount];
            }

            _grower = new TreeGrower(_trainBins, featureBins, options, parallel, histogramBudgetBytes, sparseThreshold);
            if (options.RowSubsample < 1)
            {
                var sampled = RowSampler.CountOf(train.RowCount, options.RowSubsample);
                _sample = new int[sampled];
                _outOfSample = new int[train.RowCount - sampled];
                _inSample = new bool[train.RowCount];
            }

            if (options.FeatureSubsample < 1 && _splittableFeatures.Length > 0)
            {
                _featureSample = new int[RowSampler.CountOf(_splittableFeatures.Length, options.FeatureSubsample)];
            }
        }

        public string LossName => _objective.LossName;

        public void Boost(int round, CancellationToken cancellationToken)
        {
            ForBlocks(_train.RowCount, (start, end) => _objective.Gradients(_trainScores, _train.Labels, _gradients, start, end));
            var sample = DrawRows(round);
            for (var k = 0; k < _scoresPerRow; k++)
            {
                if (k > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var features = DrawFeatures((round * (long)_scoresPerRow) + k);
                var tree = _grower.Grow(_gradients[k], sample, features);
                _trees.Add(tree);
                AddSampledRows(tree, k);
                if (_outOfSample is not null)
                {
                    AddRows(tree, k, _trainBins, _trainScores, _outOfSample);
                }

                if (_validationBins is not null)
                {
                    AddRows(tree, k, _validationBins, _validationScores, null);
                }
            }
        }

        public double ValidationLoss() => _objective.Loss(_validationScores, _validation!.Labels);

        public string Status(int rounds, double validationLoss)
        {
            var trainLoss = _objective.Loss(_trainScores, _train.Labels);
            var text = string.Create(CultureInfo.InvariantCulture, $"tree {rounds}/{_options.Trees}, train {LossName} {trainLoss:G6}");
            return double.IsNaN(validationLoss)
                ? text
                : string.Create(CultureInfo.InvariantCulture, $"{text}, validation {LossName} {validationLoss:G6}");
        }

        public GbdtModel ToModel(int rounds)
        {
            var trees = _trees.GetRange(0, rounds * _scoresPerRow);
            var classCount = _train.Task == ModelTask.Regression ? 1 : _train.ClassCount;
            return GbdtModel.Compile(_train.Task, _train.Features.ColumnCount, classCount, _baseScores, trees);
        }

        private double[] InitialScores(int rows)
        {
            var scores = new double[rows * _scoresPerRow];
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = _baseScores[i % _scoresPerRow];
            }

            return scores;
        }

        private int[]? DrawRows(int round)
        {
            if (_sample is null)
            {
                return null;
            }

            var random = new SplitMix64(SplitMix64.Mix(_options.Seed, StreamRows + round));
            RowSampler.SelectSorted(_train.RowCount, _sample, ref random);
            Array.Clear(_inSample!);
            foreach (var row in _sample)
            {
                _inSample![row] = true;
            }

            var outside = 0;
            for (var row = 0; row < _inSample!.Length; row++)
            {
                if (!_inSample[row])
                {
                    _outOfSample![outside++] = row;
                }
            }

            return _sample;
        }

        private int[] DrawFeatures(long tree)
        {
            if (_featureSample is null)
            {
                return _splittableFeatures;
            }

            var random = new SplitMix64(SplitMix64.Mix(_options.Seed, StreamFeatures + tree));
            RowSampler.SelectSorted(_splittableFeatures.Length, _featureSample, ref random);
            for (var i = 0; i < _featureSample.Length; i++)
            {
                _featureSample[i] = _splittableFeatures[_featureSample[i]];
            }

            return _featureSample;
        }

        /// <summary>The grower knows which leaf each sampled row reached; no need to walk the tree for them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AddSampledRows(GrownTree tree, int k)
        {
            for (var leaf = 0; leaf < _grower.LeafCount; leaf++)
            {
                double value = tree.LeafValues[leaf];
                foreach (var row in _grower.LeafRows(leaf))
                {
                    _trainScores[(row * _scoresPerRow) + k] += value;
                }
            }
        }

        private void AddRows(GrownTree tree, int k, BinnedMatrix bins, double[] scores, int[]? rows)
        {
            var count = rows?.Length ?? bins.RowCount;
            ForBlocks(count, (start, end) => AddRows(tree, k, bins, scores, rows, start, end));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AddRows(GrownTree tree, int k, BinnedMatrix bins, double[] scores, int[]? rows, int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                var row = rows is null ? i : rows[i];
                scores[(row * _scoresPerRow) + k] += tree.LeafValues[tree.LeafOf(bins, row)];
            }
        }

        /// <summary>Runs <paramref name="body"/> on blocks of rows; rows are independent, so the result does not depend on threads.</summary>
        private void ForBlocks(int rows, Action<int, int> body)
        {
            var blocks = (rows + RowsPerBlock - 1) / RowsPerBlock;
            if (blocks <= 1 || _parallel.MaxDegreeOfParallelism == 1)
            {
                body(0, rows);
                return;
            }

            Parallel.For(0, blocks, _parallel, block => body(block * RowsPerBlock, Math.Min(rows, (block + 1) * RowsPerBlock)));
        }
    }
}
