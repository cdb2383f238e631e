using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsMl.Local.Tests.Support;
using static FunctionsMl.Local.Tests.Api.PredictApiTests;

namespace FunctionsMl.Local.Tests.Api;

[Collection(ServedSamplesCollection.Name)]
public sealed class InferenceProtocolTests(ServedSamplesFixture fixture)
{
    private const string PerFeatureRequest = """
        {"id":"abc","inputs":[
          {"name":"sepal_length","shape":[2],"datatype":"FP32","data":[5.1,6.7]},
          {"name":"sepal_width","shape":[2],"datatype":"FP32","data":[3.5,3.0]},
          {"name":"petal_length","shape":[2,1],"datatype":"FP64","data":[[1.4],[5.2]]},
          {"name":"petal_width","shape":[2],"datatype":"FP32","data":[0.2,2.3]}]}
        """;

    [Fact]
    public async Task ServerMetadataAndHealth_Answer()
    {
        var metadata = await fixture.Client.GetFromJsonAsync<JsonElement>("/v2");
        var ready = await fixture.Client.GetFromJsonAsync<JsonElement>("/v2/health/ready");
        var live = await fixture.Client.GetFromJsonAsync<JsonElement>("/v2/health/live");

        Assert.Equal("functionsml", metadata.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Array, metadata.GetProperty("extensions").ValueKind);
        Assert.True(ready.GetProperty("ready").GetBoolean());
        Assert.True(live.GetProperty("live").GetBoolean());
    }

    [Fact]
    public async Task ModelMetadata_ListsVersionsInputsAndOutputs()
    {
        var metadata = await fixture.Client.GetFromJsonAsync<JsonElement>("/v2/models/iris");

        Assert.Equal("iris", metadata.GetProperty("name").GetString());
        Assert.Equal(["1", "2"], metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(4, metadata.GetProperty("inputs").GetArrayLength());
        Assert.Equal("FP32", metadata.GetProperty("inputs")[0].GetProperty("datatype").GetString());
        Assert.Equal(["label", "probabilities"], metadata.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("/v2/models/iris/ready")]
    [InlineData("/v2/models/iris/versions/2/ready")]
    public async Task ModelReady_Returns200(string path)
    {
        using var response = await fixture.Client.GetAsync(path);
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Infer_PerFeatureTensors_AnswersLabelsAndProbabilities()
    {
        using var response = await fixture.Client.SendAsync(Post("/v2/models/iris/infer", PerFeatureRequest));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("iris", body.GetProperty("model_name").GetString());
        Assert.Equal("1", body.GetProperty("model_version").GetString());
        Assert.Equal("abc", body.GetProperty("id").GetString());
        var outputs = body.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
        Assert.Equal(["setosa", "virginica"], outputs["label"].GetProperty("data").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal([2, 3], outputs["probabilities"].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(6, outputs["probabilities"].GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Infer_OneMatrixTensor_MatchesPerFeatureTensors()
    {
        var matrix = """{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}]}""";

        using var byMatrix = await fixture.Client.SendAsync(Post("/v2/models/iris/versions/2/infer", matrix));
        using var byFeature = await fixture.Client.SendAsync(Post("/v2/models/iris/versions/2/infer", PerFeatureRequest));

        Assert.Equal(HttpStatusCode.OK, byMatrix.StatusCode);
        Assert.Equal("2", (await ReadJsonAsync(byMatrix)).GetProperty("model_version").GetString());
        Assert.Equal(
            (await ReadJsonAsync(byFeature)).GetProperty("outputs").GetRawText(),
            (await ReadJsonAsync(byMatrix)).GetProperty("outputs").GetRawText());
    }

    [Fact]
    public async Task Infer_RequestedOutputOnly_ReturnsOnlyIt()
    {
        var request = PerFeatureRequest.TrimEnd().TrimEnd('}') + ""","outputs":[{"name":"label"}]}""";

        using var response = await fixture.Client.SendAsync(Post("/v2/models/iris/infer", request));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["label"], body.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP16","data":[5.1,3.5,1.4,0.2]}]}""", "FP16")]
    [InlineData("""{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}""", "needs 8 elements")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[5.1,3.5,1.4]}]}""", "[N, 4]")]
    [InlineData("""{"inputs":[{"name":"input","shape":[-1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}""", "dimension")]
    [InlineData("""{"inputs":[{"name":"sepal_length","shape":[1],"datatype":"BYTES","data":["5.1"]},{"name":"sepal_width","shape":[1],"datatype":"FP32","data":[3.5]},{"name":"petal_length","shape":[1],"datatype":"FP32","data":[1.4]},{"name":"petal_width","shape":[1],"datatype":"FP32","data":[0.2]}]}""", "numeric datatype")]
    [InlineData("""{"inputs":[{"name":"sepal_length","shape":[1],"datatype":"FP32","data":[5.1]}]}""", "Missing input")]
    [InlineData("""{"inputs":[{"name":"sepal_length","shape":[1],"datatype":"INT32","data":[5.5]},{"name":"sepal_width","shape":[1],"datatype":"FP32","data":[3.5]},{"name":"petal_length","shape":[1],"datatype":"FP32","data":[1.4]},{"name":"petal_width","shape":[1],"datatype":"FP32","data":[0.2]}]}""", "INT32")]
    [InlineData("""{"inputs":[]}""", "inputs")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}],"outputs":[{"name":"scores"}]}""", "Unknown output")]
    [InlineData("""{"sepal_length":5.1}""", "inputs")]
    public async Task Infer_InvalidRequest_Returns400WithError(string request, string expectedInMessage)
    {
        using var response = await fixture.Client.SendAsync(Post("/v2/models/iris/infer", request));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expectedInMessage, body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/v2/models/tulip/infer")]
    [InlineData("/v2/models/iris/versions/9/infer")]
    public async Task Infer_UnknownModelOrVersion_Returns404WithError(string path)
    {
        using var response = await fixture.Client.SendAsync(Post(path, PerFeatureRequest));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Infer_Regression_AnswersValueTensor()
    {
        var names = new[] { "age", "sex", "bmi", "blood_pressure", "total_cholesterol", "ldl", "hdl", "cholesterol_hdl_ratio", "log_triglycerides", "blood_sugar" };
        var values = new[] { 59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87 };
        var request = JsonSerializer.Serialize(new { inputs = names.Select((n, i) => new { name = n, shape = new[] { 1 }, datatype = "FP64", data = new[] { values[i] } }) });

        using var response = await fixture.Client.SendAsync(Post("/v2/models/diabetes/infer", request));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = body.GetProperty("outputs")[0];
        Assert.Equal("value", output.GetProperty("name").GetString());
        Assert.Equal(1, output.GetProperty("data").GetArrayLength());
    }
}
