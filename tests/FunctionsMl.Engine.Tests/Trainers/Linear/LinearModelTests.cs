using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Linear;

public sealed class LinearModelTests
{
    [Fact]
    public void Predict_Binary_WritesSigmoidOfMargin()
    {
        var model = new LinearModel(ModelTask.Binary, 2, [1.0, -2.0], [0.5]);
        var output = new float[2];

        model.Predict([1f, 0.25f], output);

        var p = 1 / (1 + Math.Exp(-(1.0 - 0.5 + 0.5)));
        Assert.Equal(p, output[1], 6);
        Assert.Equal(1 - p, output[0], 6);
    }

    [Theory]
    [InlineData(800.0)]
    [InlineData(-800.0)]
    public void Predict_BinaryExtremeMargin_StaysFinite(double weight)
    {
        var model = new LinearModel(ModelTask.Binary, 1, [weight], [0]);
        var output = new float[2];

        model.Predict([1f], output);

        Assert.Equal(weight > 0 ? 1f : 0f, output[1]);
        Assert.Equal(weight > 0 ? 0f : 1f, output[0]);
    }

    [Fact]
    public void Predict_Multiclass_WritesSoftmaxOfMargins()
    {
        var model = new LinearModel(ModelTask.Multiclass, 1, [1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]);
        var output = new float[3];

        model.Predict([1f], output);

        // Margins 1, 2, 1003: a naive exp would overflow; the stable softmax gives class 2 everything.
        Assert.Equal([0f, 0f, 1f], output);

        model.Predict([-1000f], output);
        var margins = new[] { -1000.0, -2000.0, -2000.0 };
        Assert.Equal(1.0, output[0], 6);
        Assert.Equal(Math.Exp(margins[1] - margins[0]), output[1], 6);
    }

    [Fact]
    public void Predict_Regression_WritesMargin()
    {
        var model = new LinearModel(ModelTask.Regression, 3, [1.0, 2.0, 3.0], [-1.0]);
        var output = new float[1];

        model.Predict([1f, 1f, 1f], output);

        Assert.Equal(5f, output[0]);
    }

    [Fact]
    public void Predict_NaNFeature_CountsAsZero()
    {
        // Long enough for the vectorised path as well as the scalar tail.
        var weights = Enumerable.Range(1, 19).Select(i => (double)i).ToArray();
        var model = new LinearModel(ModelTask.Regression, 19, weights, [0.0]);
        var withNaN = Enumerable.Repeat(1f, 19).ToArray();
        withNaN[2] = float.NaN;
        withNaN[18] = float.NaN;
        var zeroed = (float[])withNaN.Clone();
        zeroed[2] = zeroed[18] = 0;
        var a = new float[1];
        var b = new float[1];

        model.Predict(withNaN, a);
        model.Predict(zeroed, b);

        Assert.Equal(b[0], a[0]);
        Assert.Equal((19 * 20 / 2) - 3 - 19, a[0]);
    }

    [Fact]
    public void Predict_WrongFeatureCount_Throws()
    {
        var model = new LinearModel(ModelTask.Regression, 2, [1.0, 1.0], [0.0]);

        var error = Assert.Throws<ArgumentException>(() => model.Predict([1f], new float[1]));

        Assert.Contains("expects 2 features, got 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_OutputTooShort_Throws()
    {
        var model = new LinearModel(ModelTask.Binary, 1, [1.0], [0.0]);

        Assert.Throws<ArgumentException>(() => model.Predict([1f], new float[1]));
    }

    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    [InlineData(ModelTask.Regression)]
    public void Predict_AfterWarmUp_AllocatesNothing(ModelTask task)
    {
        var model = task == ModelTask.Multiclass
            ? new LinearModel(task, 4, [.1, .2, .3, .4, -.1, -.2, -.3, -.4, 0, 1, 0, 1], [0.0, 0.5, -0.5])
            : new LinearModel(task, 4, [.1, .2, .3, .4], [0.5]);
        float[] features = [5.1f, 3.5f, float.NaN, 0.2f];
        var output = new float[model.OutputCount];
        model.Predict(features, output);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            model.Predict(features, output);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void PredictBatch_MatchesPredictRowByRow()
    {
        var data = LinearTestData.Blobs(50, 3, 3, 1.0, 1);
        var model = (LinearModel)new LinearTrainer(new LinearOptions()).Fit(data, null, null, default);
        var batch = new float[50 * 3];
        var single = new float[3];

        model.PredictBatch(data.Features, batch);

        for (var i = 0; i < 50; i++)
        {
            model.Predict(data.Features.Row(i), single);
            Assert.Equal(single, batch.AsSpan(i * 3, 3).ToArray());
        }
    }

    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    [InlineData(ModelTask.Regression)]
    public void WriteRead_RoundTrip_GivesIdenticalParametersAndPredictions(ModelTask task)
    {
        var data = task switch
        {
            ModelTask.Binary => LinearTestData.NoisyBinary(200, 3, 1, -1, 0.5),
            ModelTask.Multiclass => LinearTestData.Blobs(200, 3, 4, 1.0, 3),
            _ => new LabeledData(LinearTestData.Gaussian(200, 3, 3), Enumerable.Range(0, 200).Select(i => (float)(i % 17)).ToArray(), task, 0),
        };
        var model = (LinearModel)new LinearTrainer(new LinearOptions()).Fit(data, null, null, default);

        var copy = RoundTrip(model);

        Assert.Equal(model.Task, copy.Task);
        Assert.Equal(model.FeatureCount, copy.FeatureCount);
        Assert.Equal(model.OutputCount, copy.OutputCount);
        Assert.Equal(model.Weights.ToArray(), copy.Weights.ToArray());
        Assert.Equal(model.Intercepts.ToArray(), copy.Intercepts.ToArray());
        var expected = new float[data.RowCount * model.OutputCount];
        var actual = new float[expected.Length];
        model.PredictBatch(data.Features, expected);
        copy.PredictBatch(data.Features, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void WriteRead_NegativeInfinityIntercept_RoundTrips()
    {
        var model = new LinearModel(ModelTask.Multiclass, 1, [1.0, 0.0, 2.0], [0.0, double.NegativeInfinity, 1.0]);

        var copy = RoundTrip(model);

        Assert.True(double.IsNegativeInfinity(copy.Intercepts[1]));
    }

    [Fact]
    public void Read_Truncated_ThrowsInvalidData()
    {
        var bytes = Serialize(new LinearModel(ModelTask.Regression, 3, [1.0, 2.0, 3.0], [0.0]));

        var error = Assert.Throws<InvalidDataException>(() => Deserialize(bytes[..^4]));

        Assert.Contains("more than the data holds", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => Deserialize(bytes[..6]));
    }

    [Fact]
    public void Read_TruncatedNonSeekableStream_ThrowsInvalidData()
    {
        var bytes = Serialize(new LinearModel(ModelTask.Regression, 3, [1.0, 2.0, 3.0], [0.0]));
        using var reader = new BinaryReader(new ForwardOnlyStream(bytes[..^4]));

        var error = Assert.Throws<InvalidDataException>(() => LinearModel.Read(reader));

        Assert.Contains("ends early", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "format tag")]
    [InlineData(4, "version")]
    [InlineData(8, "unknown task")]
    public void Read_CorruptHeader_ThrowsInvalidDataNamingTheField(int offset, string expected)
    {
        var bytes = Serialize(new LinearModel(ModelTask.Binary, 1, [1.0], [0.0]));
        bytes[offset] = 77;

        var error = Assert.Throws<InvalidDataException>(() => Deserialize(bytes));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NaNWeight_ThrowsInvalidData()
    {
        var bytes = Serialize(new LinearModel(ModelTask.Binary, 1, [1.0], [0.0]));
        BitConverter.GetBytes(double.NaN).CopyTo(bytes, 20);

        var error = Assert.Throws<InvalidDataException>(() => Deserialize(bytes));

        Assert.Contains("Weight 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InconsistentShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => new LinearModel(ModelTask.Binary, 2, [1.0], [0.0]));
        Assert.Throws<ArgumentException>(() => new LinearModel(ModelTask.Binary, 1, [1.0, 1.0], [0.0, 0.0]));
        Assert.Throws<ArgumentException>(() => new LinearModel(ModelTask.Multiclass, 1, [1.0], [0.0]));
        Assert.Throws<ArgumentException>(() => new LinearModel(ModelTask.Regression, 1, [1.0], [double.NegativeInfinity]));
        Assert.Throws<ArgumentException>(() => new LinearModel(ModelTask.Multiclass, 0, [], [double.NegativeInfinity, double.NegativeInfinity]));
    }

    [Fact]
    public void Constructor_CopiesInputs()
    {
        double[] weights = [1.0, 2.0];
        var model = new LinearModel(ModelTask.Regression, 2, weights, [0.0]);

        weights[0] = 100;

        Assert.Equal(1.0, model.Weights[0]);
        Assert.Equal("linear", model.Kind);
    }

    private static LinearModel RoundTrip(LinearModel model) => Deserialize(Serialize(model));

    private static byte[] Serialize(LinearModel model)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.Write(writer);
        }

        return stream.ToArray();
    }

    private static LinearModel Deserialize(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        return LinearModel.Read(reader);
    }

    /// <summary>A stream that cannot seek, like a network or decompression stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
