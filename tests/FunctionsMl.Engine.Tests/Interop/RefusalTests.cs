using System.Text;
using FunctionsMl.Engine.Interop;

namespace FunctionsMl.Engine.Tests.Interop;

/// <summary>What cannot be served is refused at import, with a message naming the operator, attribute or setting.</summary>
public sealed class RefusalTests
{
    public static TheoryData<string> Refused => InteropCase.Theory(Path.Combine("onnx", "refused"));

    [Theory]
    [MemberData(nameof(Refused))]
    public void Import_UnsupportedOnnx_IsRefusedNamingWhatIsUnsupported(string name)
    {
        var test = InteropCase.Load(Path.Combine("onnx", "refused"), name);

        var error = Assert.Throws<ModelImportException>(() => ExternalModelImporter.Import("m", test.ModelBytes, ExternalModelFormat.Onnx, null, TimeProvider.System));

        Assert.Contains(test.Error!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_UnsupportedXGBoostObjective_IsRefusedNamingIt()
    {
        var json = Encoding.UTF8.GetString(InteropCase.Load("xgboost", "xgb_regression").ModelBytes).Replace("reg:squarederror", "reg:quantileerror", StringComparison.Ordinal);

        var error = Assert.Throws<ModelImportException>(() => Import(json, null));

        Assert.Contains("reg:quantileerror", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_XGBoostCategoricalSplitWithoutCategories_IsRefused()
    {
        var json = Encoding.UTF8.GetString(InteropCase.Load("xgboost", "xgb_regression").ModelBytes);
        var at = json.IndexOf("\"split_type\":[0", StringComparison.Ordinal);
        Assert.True(at > 0);
        json = json[..at] + "\"split_type\":[1" + json[(at + "\"split_type\":[0".Length)..];

        var error = Assert.Throws<ModelImportException>(() => Import(json, null));

        Assert.Contains("has no categories", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_LightGbmLinearTree_IsRefused()
    {
        var text = Encoding.UTF8.GetString(InteropCase.Load("lightgbm", "lgb_rf_regression").ModelBytes).Replace("is_linear=0", "is_linear=1", StringComparison.Ordinal);

        var error = Assert.Throws<ModelImportException>(() => Import(text, ExternalModelFormat.LightGbm));

        Assert.Contains("linear trees", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_LightGbmUnknownObjective_IsRefusedNamingIt()
    {
        var text = Encoding.UTF8.GetString(InteropCase.Load("lightgbm", "lgb_rf_regression").ModelBytes).Replace("objective=regression", "objective=custom_loss", StringComparison.Ordinal);

        var error = Assert.Throws<ModelImportException>(() => Import(text, ExternalModelFormat.LightGbm));

        Assert.Contains("custom_loss", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_NotAModel_IsRefused()
    {
        Assert.Throws<ModelImportException>(() => Import("hello, world", null));
        Assert.Throws<ModelImportException>(() => Import("\u0008\u0001garbage that is not protobuf \u00ff", ExternalModelFormat.Onnx));
        Assert.Throws<ModelImportException>(() => Import("{\"not\": \"xgboost\"}", null));
    }

    [Theory]
    [InlineData("onnx", "gbdt_iris_softmax", ExternalModelFormat.Onnx)]
    [InlineData("xgboost", "xgb_multiclass", ExternalModelFormat.XGBoost)]
    [InlineData("lightgbm", "lgb_binary", ExternalModelFormat.LightGbm)]
    public void Detect_ModelFile_TellsItsFormat(string folder, string name, ExternalModelFormat format) =>
        Assert.Equal(format, ExternalModelFormats.Detect(InteropCase.Load(folder, name).ModelBytes));

    private static void Import(string content, ExternalModelFormat? format) =>
        ExternalModelImporter.Import("m", Encoding.UTF8.GetBytes(content), format, null, TimeProvider.System);
}
