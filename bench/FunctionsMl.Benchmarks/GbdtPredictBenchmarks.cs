using BenchmarkDotNet.Attributes;
using FunctionsMl.Engine.Trainers.Gbdt;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Benchmarks;

/// <summary>
/// Scoring one row at a time with a GBDT model of 100 trees of 31 leaves over 20 features (target: at most
/// 3 µs and 0 bytes a row). Rows vary, so branch prediction cannot learn one path through the trees.
/// </summary>
[MemoryDiagnoser]
public class GbdtPredictBenchmarks
{
    private const int DistinctRows = 1024;

    private GbdtModel _model = null!;
    private FeatureMatrix _rows = null!;
    private float[] _output = [];

    [GlobalSetup]
    public void Setup()
    {
        _model = GbdtBenchmarkModel.Train();
        _rows = SyntheticData.Binary(DistinctRows, GbdtBenchmarkModel.Features, informative: 10, seed: 2).Features;
        _output = new float[2];
    }

    /// <summary>Time per row: each invocation scores <see cref="DistinctRows"/> different rows one by one.</summary>
    [Benchmark(OperationsPerInvoke = DistinctRows)]
    public float PredictOneRow()
    {
        var sum = 0f;
        for (var row = 0; row < DistinctRows; row++)
        {
            _model.Predict(_rows.Row(row), _output);
            sum += _output[1];
        }

        return sum;
    }
}

/// <summary>Scoring batches with the same model (target: at least 1M rows/s).</summary>
[MemoryDiagnoser]
public class GbdtPredictBatchBenchmarks
{
    private GbdtModel _model = null!;
    private FeatureMatrix _batch = null!;
    private float[] _output = [];

    [Params(1_000, 100_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = GbdtBenchmarkModel.Train();
        _batch = SyntheticData.Binary(Rows, GbdtBenchmarkModel.Features, informative: 10, seed: 3).Features;
        _output = new float[Rows * 2];
    }

    [Benchmark]
    public float PredictBatch()
    {
        _model.PredictBatch(_batch, _output);
        return _output[1];
    }
}

internal static class GbdtBenchmarkModel
{
    public const int Features = 20;

    /// <summary>100 full trees of 31 leaves, as the targets assume.</summary>
    public static GbdtModel Train()
    {
        var train = SyntheticData.Binary(50_000, Features, informative: 10, seed: 1);
        var model = new GbdtTrainer(new GbdtOptions { Trees = 100, Leaves = 31 }).Fit(train, null);
        if (model.TreeCount != 100 || model.LeafCount != 100 * 31)
        {
            throw new InvalidOperationException($"Expected 100 trees of 31 leaves, got {model.TreeCount} trees with {model.LeafCount} leaves.");
        }

        return model;
    }
}
