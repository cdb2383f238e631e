using FunctionsMl.Engine.Interop;
using FunctionsMl.Engine.Models;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Interop;

/// <summary>
/// External models imported into <see cref="TrainedModel"/>s and served the way every model is: the predictions one
/// row at a time and in a batch, before and after a round trip through the model file, against the producer's.
/// </summary>
public sealed class ServedModelTests
{
    private static readonly TimeProvider Clock = new FixedClock();

    public static TheoryData<string, string> Served()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in new[] { "onnx", "xgboost", "lightgbm" })
        {
            foreach (var name in InteropCase.Names(folder))
            {
                data.Add(folder, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Served))]
    public void Predict_ImportedModel_MatchesProducerPredictions(string folder, string name)
    {
        var test = InteropCase.Load(folder, name);
        var model = Import(test);
        Assert.Equal(test.ServedTask, model.Task);
        Check(test, model);
        var reloaded = TrainedModel.Load(model.ToModelFile());
        Assert.Equal(model.Predictor.Kind, reloaded.Predictor.Kind);
        Check(test, reloaded);
    }

    [Theory]
    [MemberData(nameof(Served))]
    public void Import_ExternalModel_ManifestRecordsSourceAndSchema(string folder, string name)
    {
        var test = InteropCase.Load(folder, name);
        var model = Import(test);
        var manifest = model.Manifest;
        Assert.Equal(folder, manifest.SourceFormat);
        Assert.Equal(folder, manifest.Trainer.Type);
        Assert.Equal(model.FeatureCount, manifest.Inputs.Count);
        Assert.Equal(test.Features!.Length / test.Rows, model.FeatureCount);
        if (test.FeatureNames is { } names)
        {
            Assert.Equal(names, manifest.Inputs.Select(i => i.Name));
        }

        if (model.Task == ModelTask.Regression)
        {
            Assert.Null(manifest.ClassLabels);
            Assert.Equal("value", Assert.Single(manifest.Outputs).Name);
        }
        else
        {
            Assert.Equal(model.OutputCount, manifest.ClassLabels!.Count);
            Assert.Equal(["label", "probabilities"], manifest.Outputs.Select(o => o.Name));
        }

        var stored = ModelManifest.FromJson(manifest.ToJsonBytes());
        Assert.Equal(folder, stored.SourceFormat);
    }

    [Fact]
    public void Import_ZipMapStringLabels_UsesThemAsClassLabels()
    {
        var model = Import(InteropCase.Load("onnx", "gbdt_iris_softmax"));

        Assert.Equal(["setosa", "versicolor", "virginica"], model.Manifest.ClassLabels);
    }

    [Fact]
    public void Import_ClassLabelsOption_OverridesTheFile()
    {
        var test = InteropCase.Load("xgboost", "xgb_multiclass");
        var model = ExternalModelImporter.Import("iris", test.ModelBytes, null, new ExternalModelOptions { ClassLabels = ["a", "b", "c"] }, Clock);

        Assert.Equal(["a", "b", "c"], model.Manifest.ClassLabels);
        Assert.Throws<ModelImportException>(() => ExternalModelImporter.Import("iris", test.ModelBytes, null, new ExternalModelOptions { ClassLabels = ["a", "b"] }, Clock));
    }

    [Fact]
    public void Import_OutputOption_ServesTheNamedOutput()
    {
        var test = InteropCase.Load("onnx", "mlp_tanh_sigmoid");
        var model = ExternalModelImporter.Import("mlp", test.ModelBytes, ExternalModelFormat.Onnx, new ExternalModelOptions { Task = ModelTask.Binary, Output = "p1" }, Clock);

        // One column, P(class 1), is served as [1 - p, p]: the same probabilities as the two-column output.
        Check(test, model);
    }

    [Fact]
    public void Import_WrongTaskForObjective_IsRefusedNamingTheObjective()
    {
        var test = InteropCase.Load("xgboost", "xgb_regression");

        var error = Assert.Throws<ModelImportException>(() => ExternalModelImporter.Import("r", test.ModelBytes, null, new ExternalModelOptions { Task = ModelTask.Binary }, Clock));

        Assert.Contains("reg:squarederror", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_MultiColumnOutputAsRegression_IsRefusedSayingWhatToDo()
    {
        var test = InteropCase.Load("onnx", "mlp_relu_softmax");

        var error = Assert.Throws<ModelImportException>(() => ExternalModelImporter.Import("mlp", test.ModelBytes, null, new ExternalModelOptions { Task = ModelTask.Regression }, Clock));

        Assert.Contains("3 columns", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_OnnxTreeEnsembleOneRow_AllocatesNothing()
    {
        var test = InteropCase.Load("onnx", "hgb_binary_nan");
        AssertNoAllocation(Import(test), test);
    }

    [Fact]
    public void Predict_XGBoostOneRow_AllocatesNothing()
    {
        var test = InteropCase.Load("xgboost", "xgb_binary_nan");
        AssertNoAllocation(Import(test), test);
    }

    [Fact]
    public void Predict_OnnxPipelineOneRow_AllocatesNothing()
    {
        var test = InteropCase.Load("onnx", "logreg_wine_scaler");
        AssertNoAllocation(Import(test), test);
    }

    [Fact]
    public void PredictBatch_LargeBatch_MatchesOneRowPredictions()
    {
        var test = InteropCase.Load("onnx", "xgb_binary_lt");
        var model = Import(test);
        var width = model.FeatureCount;
        var rows = 9000; // above the parallel threshold
        var matrix = new FeatureMatrix(rows, width);
        for (var r = 0; r < rows; r++)
        {
            test.Features.AsSpan((r % test.Rows) * width, width).CopyTo(matrix.Row(r));
        }

        var batch = new float[rows * model.OutputCount];
        model.Predictor.PredictBatch(matrix, batch);
        var single = new float[model.OutputCount];
        for (var r = 0; r < rows; r += 97)
        {
            model.Predictor.Predict(matrix.Row(r), single);
            Assert.Equal(single, batch.AsSpan(r * model.OutputCount, model.OutputCount).ToArray());
        }
    }

    [Theory]
    [InlineData("onnx", "gbdt_iris_softmax")]
    [InlineData("onnx", "onehot_two_inputs")]
    [InlineData("xgboost", "xgb_multiclass")]
    public void Predict_ManyThreadsAtOnce_GiveTheSerialResults(string folder, string name)
    {
        var test = InteropCase.Load(folder, name);
        var model = Import(test);
        var width = model.FeatureCount;
        var outputs = model.OutputCount;
        var serial = new float[test.Rows * outputs];
        for (var r = 0; r < test.Rows; r++)
        {
            model.Predictor.Predict(test.Features.AsSpan(r * width, width), serial.AsSpan(r * outputs, outputs));
        }

        var mismatches = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            var output = new float[outputs];
            for (var repeat = 0; repeat < 200; repeat++)
            {
                for (var r = 0; r < test.Rows; r++)
                {
                    model.Predictor.Predict(test.Features.AsSpan(r * width, width), output);
                    if (!output.AsSpan().SequenceEqual(serial.AsSpan(r * outputs, outputs)))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    internal static TrainedModel Import(InteropCase test) =>
        ExternalModelImporter.Import(test.Name.Replace('_', '-'), test.ModelBytes, null, new ExternalModelOptions { Task = test.Task, ClassLabels = test.ClassLabels }, Clock);

    private static void Check(InteropCase test, TrainedModel model)
    {
        var width = model.FeatureCount;
        var outputs = model.OutputCount;
        var expected = model.Task == ModelTask.Regression ? test.Values! : test.Probabilities!;
        var single = new float[test.Rows * outputs];
        for (var r = 0; r < test.Rows; r++)
        {
            model.Predictor.Predict(test.Features.AsSpan(r * width, width), single.AsSpan(r * outputs, outputs));
        }

        InteropCase.AssertClose(expected, single, $"{test.Name} one row");
        var batch = new float[test.Rows * outputs];
        model.Predictor.PredictBatch(new FeatureMatrix([.. test.Features!], test.Rows, width), batch);
        InteropCase.AssertClose(expected, batch, $"{test.Name} batch");
        if (test.Labels is { } labels)
        {
            var served = Enumerable.Range(0, test.Rows).Select(r => model.Manifest.ClassLabels![Engine.Metrics.ClassificationMetrics.ArgMax(single.AsSpan(r * outputs, outputs))]);
            Assert.Equal(labels, served);
        }
    }

    private static void AssertNoAllocation(TrainedModel model, InteropCase test)
    {
        var width = model.FeatureCount;
        var output = new float[model.OutputCount];
        for (var i = 0; i < 50; i++)
        {
            model.Predictor.Predict(test.Features.AsSpan((i % test.Rows) * width, width), output);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            model.Predictor.Predict(test.Features.AsSpan((i % test.Rows) * width, width), output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
