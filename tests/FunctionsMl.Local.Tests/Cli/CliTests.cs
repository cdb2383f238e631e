using System.Net;
using System.Text.Json;
using FunctionsMl.Local.Tests.Support;

namespace FunctionsMl.Local.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly SeededStore _store = SeededStore.Create();

    [Fact]
    public async Task Predict_Row_PrintsThePredictionAsJson()
    {
        await _store.PromoteAsync("iris", await _store.RegisterSampleAsync("iris"));

        var (exitCode, output, error) = await CliProcess.RunAsync("predict", "iris", """{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}""", "--store", _store.Path);

        Assert.True(exitCode == 0, error);
        var body = JsonDocument.Parse(output).RootElement;
        Assert.Equal("setosa", body.GetProperty("prediction").GetProperty("label").GetString());
        Assert.Equal("1", body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Predict_BadRow_ExitsWith2AndNamesTheField()
    {
        await _store.PromoteAsync("iris", await _store.RegisterSampleAsync("iris"));

        var (exitCode, _, error) = await CliProcess.RunAsync("predict", "iris", """{"sepal_length":5.1}""", "--store", _store.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("sepal_width", error);
    }

    [Fact]
    public async Task Predict_UnknownModel_ExitsWith2()
    {
        var (exitCode, _, error) = await CliProcess.RunAsync("predict", "tulip", "{}", "--store", _store.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("tulip", error);
    }

    [Fact]
    public async Task Models_ListsVersionsAndAliases()
    {
        await _store.PromoteAsync("iris", await _store.RegisterSampleAsync("iris"));

        var (exitCode, output, error) = await CliProcess.RunAsync("models", "--store", _store.Path);

        Assert.True(exitCode == 0, error);
        Assert.Contains("iris  aliases: production -> 1", output);
        Assert.Contains("v1", output);
        Assert.Contains("accuracy", output);
    }

    [Fact]
    public async Task UnknownVerb_ExitsWith2AndShowsUsage()
    {
        var (exitCode, _, error) = await CliProcess.RunAsync("frobnicate");

        Assert.Equal(2, exitCode);
        Assert.Contains("usage: functionsml", error);
    }

    [Fact]
    public async Task Key_IsStableAndUnlocksManagementCalls()
    {
        var first = (await CliProcess.RunAsync("key", "--store", _store.Path)).Output.Trim();
        var second = (await CliProcess.RunAsync("key", "--store", _store.Path)).Output.Trim();
        Assert.Equal(32, first.Length);
        Assert.Equal(first, second);

        // A host started without --api-key uses the store's key.
        var startInfoArguments = new[] { "--no-train", "--models", Path.Combine(_store.Path, "none") };
        await using var host = await LocalHostProcess.StartWithoutKeyAsync(_store.Path, startInfoArguments);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/models");
        request.Headers.Add("x-functions-key", first);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _store.Dispose();
}
