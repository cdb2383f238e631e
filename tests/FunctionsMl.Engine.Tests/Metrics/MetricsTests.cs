using FunctionsMl.Engine.Metrics;

namespace FunctionsMl.Engine.Tests.Metrics;

public sealed class MetricsTests
{
    [Fact]
    public void Compute_BinaryByHand_MatchesHandComputedValues()
    {
        // Rows: (label, p1) = (1, .9) (0, .4) (1, .35) (0, .1). Predicted classes 1,0,0,0.
        float[] labels = [1, 0, 1, 0];
        float[] probabilities = [.1f, .9f, .6f, .4f, .65f, .35f, .9f, .1f];

        var metrics = ClassificationMetrics.Compute(labels, probabilities, 2);

        Assert.Equal(0.75, metrics.Accuracy, 12);
        // Positive pairs beaten: (.9>.4, .9>.1, .35<.4, .35>.1) = 3 of 4.
        Assert.Equal(0.75, metrics.Auc!.Value, 12);
        var expectedLogLoss = -(Math.Log(.9f) + Math.Log(.6f) + Math.Log(.35f) + Math.Log(.9f)) / 4;
        Assert.Equal(expectedLogLoss, metrics.LogLoss, 6);
        // Class 0: tp 2, actual 2, predicted 3 → 4/5; class 1: tp 1, actual 2, predicted 1 → 2/3.
        Assert.Equal(((4.0 / 5) + (2.0 / 3)) / 2, metrics.MacroF1, 12);
        Assert.Equal([[2, 0], [1, 1]], metrics.ConfusionMatrix);
    }

    [Fact]
    public void Compute_TiedScores_CountHalf()
    {
        float[] labels = [1, 0];
        float[] probabilities = [.5f, .5f, .5f, .5f];

        Assert.Equal(0.5, ClassificationMetrics.Compute(labels, probabilities, 2).Auc!.Value, 12);
    }

    [Fact]
    public void Compute_Multiclass_HasNoAuc()
    {
        float[] labels = [0, 1, 2];
        float[] probabilities = [1, 0, 0, 0, 1, 0, 0, 0, 1];

        var metrics = ClassificationMetrics.Compute(labels, probabilities, 3);

        Assert.Null(metrics.Auc);
        Assert.Equal(1.0, metrics.Accuracy);
        Assert.Equal(1.0, metrics.MacroF1);
    }

    [Fact]
    public void Compute_LabelOutOfRange_Throws()
    {
        float[] labels = [3];
        float[] probabilities = [.5f, .5f];

        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute(labels, probabilities, 2));
    }

    [Fact]
    public void Compute_RegressionByHand_MatchesHandComputedValues()
    {
        float[] labels = [1, 2, 3, 4];
        float[] predictions = [1, 3, 2, 4];

        var metrics = RegressionMetrics.Compute(labels, predictions);

        Assert.Equal(Math.Sqrt(0.5), metrics.Rmse, 12);
        Assert.Equal(0.5, metrics.Mae, 12);
        // SSres 2, SStot 5.
        Assert.Equal(1 - (2.0 / 5), metrics.RSquared, 12);
    }
}
