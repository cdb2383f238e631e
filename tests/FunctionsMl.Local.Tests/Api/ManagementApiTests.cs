using System.Net;
using System.Net.Http.Json;
using FunctionsMl.Local.Tests.Support;
using static FunctionsMl.Local.Tests.Api.PredictApiTests;

namespace FunctionsMl.Local.Tests.Api;

[Collection(ServedSamplesCollection.Name)]
public sealed class ManagementApiTests(ServedSamplesFixture fixture)
{
    [Theory]
    [InlineData("GET", "/api/models")]
    [InlineData("GET", "/api/models/iris")]
    [InlineData("PUT", "/api/models/iris/aliases/staging")]
    [InlineData("GET", "/api/models/iris/audit")]
    public async Task Management_WithoutKey_Returns401(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { version = "1" }) };

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Management_WithWrongKey_Returns401()
    {
        using var response = await fixture.Client.SendAsync(WithKey(HttpMethod.Get, "/api/models", key: "guess"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ListModels_ShowsEveryModelWithItsAliases()
    {
        using var response = await fixture.Client.SendAsync(WithKey(HttpMethod.Get, "/api/models"));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = body.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(["breast-cancer", "diabetes", "iris"], models.Keys.Order());
        Assert.Equal("1", models["iris"].GetProperty("aliases").GetProperty("production").GetString());
        Assert.Equal("2", models["iris"].GetProperty("latestVersion").GetString());
        Assert.Equal("multiclass", models["iris"].GetProperty("task").GetString());
    }

    [Fact]
    public async Task GetModel_ShowsVersionsMetricsSchemaAndExample()
    {
        using var response = await fixture.Client.SendAsync(WithKey(HttpMethod.Get, "/api/models/iris"));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["2", "1"], body.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.True(body.GetProperty("versions")[1].GetProperty("metrics").GetProperty("accuracy").GetDouble() > 0.8);
        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width"], body.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal("numeric", body.GetProperty("inputs")[0].GetProperty("kind").GetString());

        // The example row is a valid request as it stands.
        var example = body.GetProperty("exampleRow").GetRawText();
        using var prediction = await fixture.Client.SendAsync(Post("/api/models/iris/predict", example));
        Assert.Equal(HttpStatusCode.OK, prediction.StatusCode);
    }

    [Fact]
    public async Task GetModel_Unknown_Returns404()
    {
        using var response = await fixture.Client.SendAsync(WithKey(HttpMethod.Get, "/api/models/tulip"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task SetAlias_StagingToExistingVersion_IsRecordedInTheAudit()
    {
        using var response = await fixture.Client.SendAsync(WithKey(HttpMethod.Put, "/api/models/breast-cancer/aliases/staging", new { version = "1", reason = "canary" }));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", body.GetProperty("aliases").GetProperty("staging").GetString());
        using var audit = await fixture.Client.SendAsync(WithKey(HttpMethod.Get, "/api/models/breast-cancer/audit"));
        var entries = (await ReadJsonAsync(audit)).EnumerateArray().ToArray();
        Assert.Contains(entries, e => e.GetProperty("alias").GetString() == "staging" && e.GetProperty("reason").GetString() == "canary");
    }

    [Fact]
    public async Task SetAlias_UnknownVersion_Returns404()
    {
        using var response = await fixture.Client.SendAsync(WithKey(HttpMethod.Put, "/api/models/iris/aliases/staging", new { version = "77" }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"ver":"1"}""", "version")]
    [InlineData("""{"version":1}""", "version")]
    [InlineData("""{"version":"one"}""", "version")]
    public async Task SetAlias_BadBody_Returns400NamingVersion(string json, string field)
    {
        using var request = WithKey(HttpMethod.Put, "/api/models/iris/aliases/staging");
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        using var response = await fixture.Client.SendAsync(request);
        var problem = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task SetAlias_StaleIfMatch_Returns409()
    {
        using var request = WithKey(HttpMethod.Put, "/api/models/diabetes/aliases/staging", new { version = "1" });
        request.Headers.TryAddWithoutValidation("If-Match", "\"not-the-current-etag\"");

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task SetAlias_IfMatchWithTheETagItWasGiven_Succeeds()
    {
        using var first = await fixture.Client.SendAsync(WithKey(HttpMethod.Put, "/api/models/diabetes/aliases/canary", new { version = "1" }));
        var eTag = first.Headers.ETag!.ToString();
        using var request = WithKey(HttpMethod.Put, "/api/models/diabetes/aliases/canary-2", new { version = "1" });
        request.Headers.TryAddWithoutValidation("If-Match", eTag);

        using var second = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    internal static HttpRequestMessage WithKey(HttpMethod method, string path, object? body = null, string key = LocalHostProcess.ApiKey)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-functions-key", key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }
}
