using BenchmarkDotNet.Attributes;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Benchmarks;

/// <summary>
/// One-row latency of <see cref="LinearModel.Predict"/>. Target: the iris-sized multiclass model (4 features,
/// 3 classes) under 0.3 µs and 0 bytes allocated per call.
/// </summary>
[MemoryDiagnoser]
public class LinearPredictBenchmarks
{
    private readonly float[] _output = new float[3];
    private LinearModel _iris = null!;
    private LinearModel _binary = null!;
    private LinearModel _regression = null!;
    private float[] _irisRow = [];
    private float[] _wideRow = [];

    [GlobalSetup]
    public void Setup()
    {
        // Trained rather than made up, so the weights have realistic magnitudes.
        var iris = SyntheticRows(rows: 150, features: 4, classes: 3, seed: 1);
        _iris = (LinearModel)new LinearTrainer(new LinearOptions()).Fit(iris, null, null, default);
        _irisRow = iris.Features.Row(0).ToArray();

        var wide = SyntheticRows(rows: 1000, features: 20, classes: 2, seed: 2);
        _binary = (LinearModel)new LinearTrainer(new LinearOptions()).Fit(wide, null, null, default);
        _regression = (LinearModel)new LinearTrainer(new LinearOptions()).Fit(wide with { Task = ModelTask.Regression, ClassCount = 0 }, null, null, default);
        _wideRow = wide.Features.Row(0).ToArray();
    }

    [Benchmark(Baseline = true, Description = "multiclass 4x3 (iris)")]
    public float IrisMulticlass()
    {
        _iris.Predict(_irisRow, _output);
        return _output[0];
    }

    [Benchmark(Description = "binary 20 features")]
    public float Binary20()
    {
        _binary.Predict(_wideRow, _output);
        return _output[1];
    }

    [Benchmark(Description = "regression 20 features")]
    public float Regression20()
    {
        _regression.Predict(_wideRow, _output);
        return _output[0];
    }

    private static LabeledData SyntheticRows(int rows, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var matrix = new FeatureMatrix(rows, features);
        var labels = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            labels[i] = i % classes;
            for (var j = 0; j < features; j++)
            {
                matrix[i, j] = (float)((random.NextDouble() * 2) - 1 + (j % classes == i % classes ? 1 : 0));
            }
        }

        return new LabeledData(matrix, labels, classes == 2 ? ModelTask.Binary : ModelTask.Multiclass, classes);
    }
}
