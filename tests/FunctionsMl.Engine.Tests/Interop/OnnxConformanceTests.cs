using FunctionsMl.Engine.Interop.Onnx;

namespace FunctionsMl.Engine.Tests.Interop;

/// <summary>Every graph output of every test model, evaluated by the compiled plan, against what the producer computed.</summary>
public sealed class OnnxConformanceTests
{
    public static TheoryData<string> Models => InteropCase.Theory("onnx");

    public static TheoryData<string> Operators => InteropCase.Theory(Path.Combine("onnx", "ops"));

    [Theory]
    [MemberData(nameof(Models))]
    public void Evaluate_ProducerModel_MatchesProducerOutputs(string name) => Check(InteropCase.Load("onnx", name));

    [Theory]
    [MemberData(nameof(Operators))]
    public void Evaluate_OperatorGraph_MatchesNumpy(string name) => Check(InteropCase.Load(Path.Combine("onnx", "ops"), name));

    [Fact]
    public void Operators_EverySupportedOperator_IsInSomeTestModel()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(InteropCase.Root, "onnx"), "*.onnx", SearchOption.AllDirectories).Where(f => !f.Contains("refused", StringComparison.Ordinal)))
        {
            used.UnionWith(OnnxModel.Load(File.ReadAllBytes(file)).Operators);
        }

        var uncovered = OnnxOperators.Names.Except(used, StringComparer.Ordinal).ToList();
        Assert.True(uncovered.Count == 0, "Operators no test model uses: " + string.Join(", ", uncovered));
    }

    private static void Check(InteropCase test)
    {
        var model = OnnxModel.Load(test.ModelBytes);
        var results = model.Evaluate(test.Inputs, test.Rows);
        Assert.NotEmpty(test.Outputs);
        foreach (var (name, expected) in test.Outputs)
        {
            var actual = results[name];
            Assert.Equal(expected.Length, actual.Length);
            switch (expected)
            {
                case float[] or double[]:
                    var want = ToDoubles(expected);
                    var got = ToDoubles(actual);
                    for (var i = 0; i < want.Length; i++)
                    {
                        InteropCase.AssertClose(want[i], got[i], $"{name}[{i}]");
                    }

                    break;
                default:
                    Assert.Equal(expected.Cast<object>(), actual.Cast<object>());
                    break;
            }
        }
    }

    private static double[] ToDoubles(Array values) => values switch
    {
        float[] f => [.. f.Select(v => (double)v)],
        double[] d => d,
        _ => throw new InvalidOperationException($"Expected a float tensor, got {values.GetType().Name}."),
    };
}
