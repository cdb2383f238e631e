using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Serving.Tests.Interop;

/// <summary>
/// <c>POST /api/models/{name}/versions</c> on real Kestrel (127.0.0.1, a free port): external model files registered,
/// promoted with the alias API and served by the same prediction routes as native models.
/// </summary>
public sealed class ExternalModelsEndpointTests : IAsyncLifetime
{
    private const string ApiKey = "interop-test-key";

    private readonly TemporaryDirectory _store = new();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FunctionsMl:StorePath"] = _store.Path,
            ["FunctionsMl:ApiKey"] = ApiKey,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddFunctionsMl(builder.Configuration);
        builder.Services.AddProblemDetails();
        _app = builder.Build();
        _app.MapFunctionsMlApi();
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        _client.DefaultRequestHeaders.Add(ManagementKeyFilter.HeaderName, ApiKey);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _store.Dispose();
    }

    [Fact]
    public async Task Register_OnnxClassifier_IsServedByPredictOncePromoted()
    {
        var expected = Expected("onnx", "gbdt_iris_softmax");
        using var registered = await PostFileAsync("iris", "onnx/gbdt_iris_softmax.onnx", "format=onnx");
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var version = await registered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("1", version.GetProperty("version").GetString());
        Assert.Equal("onnx", version.GetProperty("sourceFormat").GetString());
        Assert.Equal("multiclass", version.GetProperty("task").GetString());
        Assert.Equal(["setosa", "versicolor", "virginica"], version.GetProperty("classLabels").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/api/models/iris/versions/1", registered.Headers.Location?.ToString());

        // Registered, not aliased: the production route has nothing yet; the pinned version does.
        using var row = Row(expected, 0);
        using var beforePromotion = await _client.PostAsJsonAsync("/api/models/iris/predict", row.RootElement);
        Assert.NotEqual(HttpStatusCode.OK, beforePromotion.StatusCode);
        using var promoted = await _client.PutAsJsonAsync("/api/models/iris/aliases/production", new { version = "1" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);

        for (var r = 0; r < 3; r++)
        {
            using var input = Row(expected, r);
            using var response = await _client.PostAsJsonAsync("/api/models/iris/predict", input.RootElement);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var prediction = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prediction");
            Assert.Equal(expected.GetProperty("served").GetProperty("labels")[r].GetString(), prediction.GetProperty("label").GetString());
            var probabilities = expected.GetProperty("served").GetProperty("probabilities");
            var c = 0;
            foreach (var probability in prediction.GetProperty("probabilities").EnumerateObject())
            {
                Assert.Equal(probabilities[(r * 3) + c].GetDouble(), probability.Value.GetDouble(), 1e-5);
                c++;
            }
        }
    }

    [Fact]
    public async Task Register_XGBoostAndLightGbm_DetectedFromContentAndDescribed()
    {
        using var xgboost = await PostFileAsync("cancer", "xgboost/xgb_binary_nan.json", string.Empty);
        Assert.Equal(HttpStatusCode.Created, xgboost.StatusCode);
        using var lightgbm = await PostFileAsync("lgb", "lightgbm/lgb_binary.txt", "labels=no,yes");
        Assert.Equal(HttpStatusCode.Created, lightgbm.StatusCode);
        using var again = await PostFileAsync("lgb", "lightgbm/lgb_binary.txt", "labels=no,yes");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // identical file: the same version

        var details = await _client.GetFromJsonAsync<JsonElement>("/api/models/lgb");
        Assert.Equal(["x0", "x1", "colour"], details.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(["no", "yes"], details.GetProperty("classLabels").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("lightgbm", details.GetProperty("versions")[0].GetProperty("sourceFormat").GetString());

        using var prediction = await _client.PostAsync(
            "/api/models/lgb/versions/1/predict",
            new StringContent("""{"x0": 2.0, "x1": 0.7, "colour": 2}""", Encoding.UTF8, "application/json"));
        var body = await prediction.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("yes", body.GetProperty("prediction").GetProperty("label").GetString());
        Assert.Equal(1 / (1 + Math.Exp(-0.8)), body.GetProperty("prediction").GetProperty("probabilities").GetProperty("yes").GetDouble(), 1e-6);
    }

    [Theory]
    [InlineData("onnx/refused/unsupported_operator.onnx", "", "SVMClassifier")]
    [InlineData("onnx/refused/bad_post_transform.onnx", "", "post_transform")]
    [InlineData("onnx/gbdt_iris_softmax.onnx", "format=pmml", "format")]
    [InlineData("onnx/gbdt_iris_softmax.onnx", "task=ranking", "task")]
    [InlineData("onnx/gbdt_iris_softmax.onnx", "task=regression", "3 columns")]
    public async Task Register_UnservableFileOrBadQuery_Returns400NamingTheProblem(string file, string query, string named)
    {
        using var response = await PostFileAsync("bad", file, query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var versions = await _client.GetAsync("/api/models/bad");
        Assert.Equal(HttpStatusCode.NotFound, versions.StatusCode);
    }

    [Fact]
    public async Task Register_WithoutKey_Returns401()
    {
        using var content = new ByteArrayContent(File.ReadAllBytes(Path.Combine(Root, "onnx", "gbdt_iris_softmax.onnx")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/models/iris/versions") { Content = content };
        request.Headers.Add(ManagementKeyFilter.HeaderName, "wrong");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static string Root { get; } = FindRoot();

    private async Task<HttpResponseMessage> PostFileAsync(string name, string file, string query)
    {
        using var content = new ByteArrayContent(File.ReadAllBytes(Path.Combine(Root, file)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return await _client.PostAsync($"/api/models/{name}/versions{(query.Length > 0 ? "?" + query : string.Empty)}", content);
    }

    private static JsonElement Expected(string folder, string name) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, folder, name + ".expected.json"))).RootElement.Clone();

    private static JsonDocument Row(JsonElement expected, int row)
    {
        var features = expected.GetProperty("features");
        var width = features.GetArrayLength() / expected.GetProperty("rows").GetInt32();
        var fields = Enumerable.Range(0, width).ToDictionary(i => $"f{i}", i => features[(row * width) + i].GetDouble());
        return JsonDocument.Parse(JsonSerializer.Serialize(fields));
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "testdata", "interop");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/testdata/interop not found above " + AppContext.BaseDirectory);
    }
}
