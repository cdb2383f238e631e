using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Tests.Trainers.Linear;

/// <summary>
/// Known answers from scikit-learn 1.2.1 on a tiny data set, so the objective is the same one, not just a
/// similar one. Computed with <c>LogisticRegression(C=1/L2, solver="newton-cg", tol=1e-14)</c> (binary) and the
/// same with <c>multi_class="multinomial"</c>, on exactly these float32 features; their gradients there are
/// below 1e-8. (scikit-learn's lbfgs stops earlier, near 1e-7, whatever its tol.)
/// </summary>
public sealed class LinearTrainerSklearnTests
{
    private static readonly float[] Features =
    [
        0.5f, 1.2f, 1.5f, -0.3f, -0.7f, 0.8f, 2.1f, 1.9f, -1.2f, -0.4f, 0.3f, -1.5f,
        1.1f, 0.2f, -0.2f, 2.2f, 0.9f, -0.9f, -1.8f, 0.5f, 1.4f, 1.1f, -0.6f, -1.3f,
    ];

    private static readonly float[] BinaryLabels = [1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0];

    private static readonly float[] MulticlassLabels = [0, 1, 2, 1, 2, 0, 1, 2, 0, 2, 1, 0];

    public static TheoryData<double, double[], double[]> Binary => new()
    {
        { 1.0, [1.567205749930178, 0.1936335508542121], [-0.5324943123010724] },
        { 2.0, [1.1314901307027907, 0.15721892398396353], [-0.37482283339483946] },
    };

    public static TheoryData<double, double[], double[]> Multiclass => new()
    {
        {
            1.0,
            [0.026898422009157083, -0.6211420181328821, 1.165244047888005, 0.13678314008467946, -1.1921424698971623, 0.48435887804820227],
            [0.44544850316155904, -0.5136160715541207, 0.06816756839256319]
        },
        {
            2.0,
            [0.029117421702284273, -0.5189960860391591, 0.835005927135246, 0.1404825841350931, -0.8641233488375303, 0.37851350190406585],
            [0.29034027468632134, -0.3550381725967071, 0.06469789791038572]
        },
    };

    [Theory]
    [MemberData(nameof(Binary))]
    public void Fit_Binary_MatchesScikitLearnWithInverseC(double l2, double[] weights, double[] intercepts)
    {
        var data = new LabeledData(new FeatureMatrix(Features, 12, 2), BinaryLabels, ModelTask.Binary, 2);

        AssertParameters(Fit(data, l2), weights, intercepts);
    }

    [Theory]
    [MemberData(nameof(Multiclass))]
    public void Fit_Multinomial_MatchesScikitLearnWithInverseC(double l2, double[] weights, double[] intercepts)
    {
        // The intercepts are unpenalised and so only defined up to a common shift; both solvers start at zero
        // and every gradient step keeps their sum at zero, so they agree exactly.
        var data = new LabeledData(new FeatureMatrix(Features, 12, 2), MulticlassLabels, ModelTask.Multiclass, 3);

        AssertParameters(Fit(data, l2), weights, intercepts);
    }

    private static LinearModel Fit(LabeledData data, double l2) =>
        (LinearModel)new LinearTrainer(new LinearOptions { L2 = l2, Tolerance = 1e-10 }).Fit(data, null, null, default);

    private static void AssertParameters(LinearModel model, double[] weights, double[] intercepts)
    {
        Assert.Equal(weights.Length, model.Weights.Length);
        for (var i = 0; i < weights.Length; i++)
        {
            Assert.Equal(weights[i], model.Weights[i], 1e-7);
        }

        for (var k = 0; k < intercepts.Length; k++)
        {
            Assert.Equal(intercepts[k], model.Intercepts[k], 1e-7);
        }
    }
}
