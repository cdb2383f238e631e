using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FunctionsMl.Local.Tests.Support;

namespace FunctionsMl.Local.Tests.Api;

[Collection(ServedSamplesCollection.Name)]
public sealed class PredictApiTests(ServedSamplesFixture fixture)
{
    private const string SetosaRow = """{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}""";

    [Fact]
    public async Task Predict_OneRow_AnswersLabelProbabilitiesAndVersion()
    {
        using var request = Post("/api/models/iris/predict", SetosaRow);
        request.Headers.Add("x-request-id", "req-42");

        using var response = await fixture.Client.SendAsync(request);
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("req-42", response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("iris", body.GetProperty("model").GetString());
        Assert.Equal("1", body.GetProperty("version").GetString());
        var prediction = body.GetProperty("prediction");
        Assert.Equal("setosa", prediction.GetProperty("label").GetString());
        var probabilities = prediction.GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(["setosa", "versicolor", "virginica"], probabilities.Keys);
        Assert.Equal(1.0, probabilities.Values.Sum(), 5);
    }

    [Fact]
    public async Task Predict_WithoutRequestId_GeneratesOne()
    {
        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/predict", SetosaRow));
        var body = await ReadJsonAsync(response);

        var id = response.Headers.GetValues("x-request-id").Single();
        Assert.False(string.IsNullOrWhiteSpace(id));
        Assert.Equal(id, body.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Predict_Batch_AnswersOnePredictionPerRowInOrder()
    {
        var batch = """{"instances":[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2},{"sepal_length":6.7,"sepal_width":3.0,"petal_length":5.2,"petal_width":2.3},{"sepal_length":5.9,"sepal_width":2.8,"petal_length":4.3,"petal_width":1.3}]}""";

        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/predict", batch));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["setosa", "virginica", "versicolor"], body.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("label").GetString()));
    }

    [Fact]
    public async Task Predict_PinnedVersion_IsServedByThatVersion()
    {
        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/versions/2/predict", SetosaRow));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", body.GetProperty("version").GetString());
        Assert.Equal("2", response.Headers.GetValues("x-model-version").Single());
    }

    [Fact]
    public async Task Predict_Regression_AnswersAValue()
    {
        var row = """{"age":59,"sex":2,"bmi":32.1,"blood_pressure":101,"total_cholesterol":157,"ldl":93.2,"hdl":38,"cholesterol_hdl_ratio":4,"log_triglycerides":4.8598,"blood_sugar":87}""";

        using var response = await fixture.Client.SendAsync(Post("/api/models/diabetes/predict", row));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var value = body.GetProperty("prediction").GetProperty("value").GetDouble();
        Assert.InRange(value, 25, 350);
    }

    [Theory]
    [InlineData("""{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4}""", "petal_width")]
    [InlineData("""{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2,"colour":"blue"}""", "colour")]
    [InlineData("""{"sepal_length":"long","sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}""", "sepal_length")]
    [InlineData("""{"sepal_length":[5.1],"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}""", "sepal_length")]
    [InlineData("""{"instances":[]}""", "instances")]
    [InlineData("""{"instances":[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2},{"sepal_length":"x","sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]}""", "instances[1].sepal_length")]
    [InlineData("""{"instances":[1, 2]}""", "instances[0]")]
    [InlineData("""[1, 2]""", "$")]
    public async Task Predict_BadRow_Returns400NamingTheField(string body, string field)
    {
        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/predict", body));
        var problem = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors lacks '{field}': {problem}");
    }

    [Fact]
    public async Task Predict_MalformedJson_Returns400()
    {
        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/predict", """{"sepal_length": 5.1,"""));
        var problem = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Predict_EmptyBody_Returns400()
    {
        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/predict", string.Empty));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Predict_NotJson_Returns415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/iris/predict") { Content = new StringContent("a,b\n1,2", Encoding.UTF8, "text/csv") };

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Predict_OversizedBody_Returns413()
    {
        var huge = "{\"instances\":[" + string.Join(",", Enumerable.Repeat(SetosaRow, 60_000)) + "]}";

        using var response = await fixture.Client.SendAsync(Post("/api/models/iris/predict", huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/models/tulip/predict")]
    [InlineData("/api/models/iris/versions/99/predict")]
    public async Task Predict_UnknownModelOrVersion_Returns404(string path)
    {
        using var response = await fixture.Client.SendAsync(Post(path, SetosaRow));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/models/Iris!/predict")]
    [InlineData("/api/models/iris/versions/latest-ish/predict")]
    public async Task Predict_MalformedNameOrVersion_Returns4xx(string path)
    {
        using var response = await fixture.Client.SendAsync(Post(path, SetosaRow));

        Assert.True((int)response.StatusCode is 400 or 404, $"got {(int)response.StatusCode}");
    }

    [Fact]
    public async Task Predict_WrongMethod_Returns405()
    {
        using var response = await fixture.Client.GetAsync("/api/models/iris/predict");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheNativeApi()
    {
        var document = await fixture.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/models/{name}/predict", out _));
        Assert.True(paths.TryGetProperty("/api/models/{name}/aliases/{alias}", out _));
    }

    internal static HttpRequestMessage Post(string path, string json) =>
        new(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    internal static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"Not JSON ({(int)response.StatusCode}): {text}");
        }
    }
}
