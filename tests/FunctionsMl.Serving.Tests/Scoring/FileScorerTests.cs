using System.Globalization;
using System.Text;
using System.Text.Json;
using FunctionsMl.Engine.Metrics;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Scoring;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Scoring;

public sealed class FileScorerTests : IDisposable
{
    private const string Input = "incoming/iris/batch.csv";
    private const string IrisHeader = "sepal_length,sepal_width,petal_length,petal_width";

    private readonly InMemoryObjectStore _store = new();
    private readonly StubModelResolver _resolver = new StubModelResolver().With("iris", "7", ScoringTestModels.Iris).With("diabetes", "2", ScoringTestModels.Diabetes).NotReady("fresh");
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ScoreAsync_Csv_WritesInputColumnsAsWrittenPlusPredictionsAndVersion()
    {
        var lines = ScoringTestModels.IrisFeatureLines();
        var csv = new StringBuilder("id,").Append(lines[0]).Append(",note\n");
        for (var i = 1; i < lines.Length; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{lines[i]},\"row {i}, \"\"quoted\"\"\"\n");
        }

        var eTag = await StoreText.WriteAsync(_store, Input, csv.ToString());

        var result = await CreateSut().ScoreAsync(Input);

        Assert.Equal(FileScoringStatus.Scored, result.Status);
        var (columns, rows) = StoreText.ParseCsv((await StoreText.ReadAsync(_store, "scored/iris/batch.csv"))!);
        Assert.Equal(
            ["id", "sepal_length", "sepal_width", "petal_length", "petal_width", "note", "prediction", "probability_setosa", "probability_versicolor", "probability_virginica", "model_version"],
            columns);
        Assert.Equal(lines.Length - 1, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var inputFields = lines[i + 1].Split(',');
            Assert.Equal((i + 1).ToString(CultureInfo.InvariantCulture), rows[i][0]);
            Assert.Equal(inputFields, rows[i][1..5]);
            Assert.Equal($"row {i + 1}, \"quoted\"", rows[i][5]);
            var expected = Predict(ScoringTestModels.Iris, inputFields);
            Assert.Equal(ScoringTestModels.Iris.Manifest.ClassLabels![ClassificationMetrics.ArgMax(expected)], rows[i][6]);
            Assert.Equal(expected, rows[i][7..10].Select(p => float.Parse(p, CultureInfo.InvariantCulture)));
            Assert.Equal("7", rows[i][10]);
        }

        var summary = result.Summary!;
        Assert.Equal((150L, 150L, 0L), (summary.Rows, summary.Scored, summary.Rejected));
        Assert.Equal(eTag, summary.InputETag);
        Assert.Equal(("iris", "7", "csv", "scored/iris/batch.csv"), (summary.Model, summary.Version, summary.Format, summary.Output));
        Assert.Null(summary.RejectedOutput);
        Assert.Null(await _store.GetETagAsync(Input));
        Assert.Equal(["scored/iris/batch.csv", "scored/iris/batch.csv.summary.json"], await StoreText.ListAsync(_store, "scored/"));
        var stored = JsonSerializer.Deserialize<JsonElement>((await StoreText.ReadAsync(_store, "scored/iris/batch.csv.summary.json"))!);
        Assert.Equal(150, stored.GetProperty("scored").GetInt64());
        Assert.Equal(eTag, stored.GetProperty("inputETag").GetString());
    }

    [Fact]
    public async Task ScoreAsync_JsonLines_AddsTheOutputFieldsToEachObjectAsWritten()
    {
        const string Path = "incoming/iris/2030/01/requests.jsonl";
        await StoreText.WriteAsync(_store, Path, string.Join(
            "\n",
            """{"id": "a", "sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "tags": "x}y"}  """,
            "",
            """{"petal_width":2.3,"petal_length":5.9,"sepal_width":3.2,"sepal_length":6.8,"ok":true}""",
            """{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5, "note": null}""",
            "{ }"));

        var result = await CreateSut().ScoreAsync(Path);

        Assert.Equal(FileScoringStatus.Scored, result.Status);
        Assert.Equal((4L, 4L, 0L), (result.Summary!.Rows, result.Summary.Scored, result.Summary.Rejected));
        Assert.Equal("jsonl", result.Summary.Format);
        var output = (await StoreText.ReadAsync(_store, "scored/iris/2030/01/requests.jsonl"))!;
        Assert.EndsWith("\n", output, StringComparison.Ordinal);
        var objects = output.TrimEnd('\n').Split('\n').Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(4, objects.Count);
        Assert.StartsWith("""{"id": "a", "sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "tags": "x}y","prediction":"setosa","probability_setosa":""", output, StringComparison.Ordinal);
        Assert.Equal(
            ["id", "sepal_length", "sepal_width", "petal_length", "petal_width", "tags", "prediction", "probability_setosa", "probability_versicolor", "probability_virginica", "model_version"],
            objects[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("virginica", objects[1].GetProperty("prediction").GetString());
        Assert.True(objects[1].GetProperty("ok").GetBoolean());
        Assert.Equal("versicolor", objects[2].GetProperty("prediction").GetString());
        Assert.Equal(JsonValueKind.Null, objects[2].GetProperty("note").ValueKind);
        Assert.Equal(["prediction", "probability_setosa", "probability_versicolor", "probability_virginica", "model_version"], objects[3].EnumerateObject().Select(p => p.Name));
        Assert.All(objects, o => Assert.Equal("7", o.GetProperty("model_version").GetString()));
        Assert.All(objects, o => Assert.Equal(1.0, new[] { "setosa", "versicolor", "virginica" }.Sum(c => o.GetProperty("probability_" + c).GetDouble()), 4));
    }

    [Fact]
    public async Task ScoreAsync_RegressionModel_WritesTheValueAsPrediction()
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(ScoringTestModels.RepositoryRoot(), "models", "diabetes", "data", "diabetes.csv"));
        await StoreText.WriteAsync(_store, "incoming/diabetes/few.csv", string.Join("\r\n", lines.Take(4)));

        await CreateSut().ScoreAsync("incoming/diabetes/few.csv");

        var (columns, rows) = StoreText.ParseCsv((await StoreText.ReadAsync(_store, "scored/diabetes/few.csv"))!);
        Assert.Equal([.. lines[0].Split(','), "prediction", "model_version"], columns);
        var inputs = ScoringTestModels.Diabetes.Manifest.Inputs.Select(i => i.Name).ToList();
        for (var i = 0; i < 3; i++)
        {
            var fields = lines[i + 1].Split(',');
            var json = "{" + string.Join(",", inputs.Select(name => $"\"{name}\":{fields[Array.IndexOf(columns.ToArray(), name)]}")) + "}";
            var features = new float[ScoringTestModels.Diabetes.FeatureCount];
            ScoringTestModels.Diabetes.Pipeline.TransformJson(JsonDocument.Parse(json).RootElement, features);
            var expected = new float[1];
            ScoringTestModels.Diabetes.Predictor.Predict(features, expected);
            Assert.Equal(expected[0], float.Parse(rows[i][^2], CultureInfo.InvariantCulture));
            Assert.Equal("2", rows[i][^1]);
        }
    }

    [Fact]
    public async Task ScoreAsync_MalformedRows_RejectsEachWithLineAndReasonAndScoresTheRest()
    {
        var text = string.Join(
            "\n",
            $"{IrisHeader},comment",
            "5.1,3.5,1.4,0.2,fine",
            "4.9,3,1.4",
            "4.7,abc,1.3,0.2,not a number",
            "4.6,3.1,1.5,0.2,\"spans",
            "two lines\"",
            "",
            "5,3.6,1.4,0.2,last");
        await StoreText.WriteAsync(_store, Input, text);

        var result = await CreateSut().ScoreAsync(Input);

        Assert.Equal((5L, 3L, 2L), (result.Summary!.Rows, result.Summary.Scored, result.Summary.Rejected));
        Assert.Equal("scored/iris/batch.csv.rejected.csv", result.Summary.RejectedOutput);
        var (columns, rejected) = StoreText.ParseCsv((await StoreText.ReadAsync(_store, "scored/iris/batch.csv.rejected.csv"))!);
        Assert.Equal(["line_number", "field", "reason", "record"], columns);
        Assert.Equal("3", rejected[0][0]);
        Assert.Contains("Expected 5 fields", rejected[0][2], StringComparison.Ordinal);
        Assert.Equal(["4", "sepal_width"], rejected[1][..2]);
        Assert.Equal("Field 'sepal_width' must be a number; \"abc\" is not.", rejected[1][2]);
        Assert.Equal("4.7,abc,1.3,0.2,not a number", rejected[1][3]);
        var (_, scored) = StoreText.ParseCsv((await StoreText.ReadAsync(_store, "scored/iris/batch.csv"))!);
        Assert.Equal(["fine", "spans\ntwo lines", "last"], scored.Select(row => row[4]));
    }

    [Theory]
    [InlineData("incoming/iris/notes.txt", "5.1,3.5,1.4,0.2", ScoringFailureKind.UnsupportedFormat, null)]
    [InlineData("incoming/loose.csv", IrisHeader + "\n5.1,3.5,1.4,0.2", ScoringFailureKind.NoModelFolder, null)]
    [InlineData("incoming/iris/empty.csv", "", ScoringFailureKind.UnreadableData, 1L)]
    [InlineData("incoming/iris/header.csv", "sepal_length,,petal_length\n1,2,3", ScoringFailureKind.UnreadableData, 1L)]
    [InlineData("incoming/iris/other.csv", "a,b\n1,2", ScoringFailureKind.WrongColumns, null)]
    [InlineData("incoming/iris/garbage.csv", "\u0001\u00ff\u0000PK\u0003\u0004\u0014\u0000\u0008\u0000", ScoringFailureKind.WrongColumns, null)]
    [InlineData("incoming/iris/stray.csv", IrisHeader + "\n5.1,3.5,1.4,0.2\n4.9,3\"x,1.4,0.2\n4.7,3.2,1.3,0.2", ScoringFailureKind.UnreadableData, 3L)]
    [InlineData("incoming/iris/clash.csv", IrisHeader + ",prediction\n5.1,3.5,1.4,0.2,x", ScoringFailureKind.WrongColumns, null)]
    public async Task ScoreAsync_UnreadableFile_MovesItToFailedWithAReport(string path, string content, ScoringFailureKind kind, long? line)
    {
        var eTag = await StoreText.WriteAsync(_store, path, content);
        var relative = path["incoming/".Length..];

        var result = await CreateSut().ScoreAsync(path);

        Assert.Equal(FileScoringStatus.Failed, result.Status);
        Assert.Equal(content, await StoreText.ReadAsync(_store, $"failed/{relative}"));
        var report = JsonDocument.Parse((await StoreText.ReadAsync(_store, $"failed/{relative}.error.json"))!).RootElement;
        Assert.Equal(kind.ToString(), report.GetProperty("kind").GetString());
        Assert.Equal(eTag, report.GetProperty("inputETag").GetString());
        Assert.False(string.IsNullOrWhiteSpace(report.GetProperty("reason").GetString()));
        Assert.Equal(line, report.GetProperty("lineNumber").ValueKind == JsonValueKind.Null ? null : report.GetProperty("lineNumber").GetInt64());
        Assert.Equal(kind, result.Error!.Kind);
        Assert.Null(await _store.GetETagAsync(path));
        Assert.Empty(await StoreText.ListAsync(_store, "scored/"));
    }

    [Fact]
    public async Task ScoreAsync_UnknownModel_FailsTheFileNamingTheModel()
    {
        await StoreText.WriteAsync(_store, "incoming/irsi/batch.csv", IrisHeader + "\n5.1,3.5,1.4,0.2");

        var result = await CreateSut().ScoreAsync("incoming/irsi/batch.csv");

        Assert.Equal(FileScoringStatus.Failed, result.Status);
        Assert.Equal(ScoringFailureKind.UnknownModel, result.Error!.Kind);
        Assert.Contains("There is no model 'irsi'", result.Error.Reason, StringComparison.Ordinal);
        Assert.NotNull(await _store.GetETagAsync("failed/irsi/batch.csv"));
    }

    [Fact]
    public async Task ScoreAsync_ModelWithoutProductionVersion_FailsTheFile()
    {
        await StoreText.WriteAsync(_store, "incoming/fresh/batch.csv", IrisHeader + "\n5.1,3.5,1.4,0.2");

        var result = await CreateSut().ScoreAsync("incoming/fresh/batch.csv");

        Assert.Equal(ScoringFailureKind.ModelNotReady, result.Error!.Kind);
        Assert.Contains("no production version", result.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_TwoConcurrentTriggersForOneFile_ScoreItOnce()
    {
        var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootDirectory = _directory.Path, FlushToDisk = false });
        var text = IrisFile(repeat: 40);
        await StoreText.WriteAsync(store, Input, text);
        var scorers = Enumerable.Range(0, 2).Select(_ => CreateSut(store, new FileScoringOptions { LeaseDuration = TimeSpan.FromSeconds(5), BlockRows = 256 })).ToList();

        var results = await Task.WhenAll(scorers.Select(scorer => Task.Run(() => scorer.ScoreAsync(Input))));

        Assert.Single(results, r => r.Status == FileScoringStatus.Scored);
        Assert.All(results, r => Assert.Contains(r.Status, new[] { FileScoringStatus.Scored, FileScoringStatus.AlreadyScored, FileScoringStatus.NotFound }));
        var (_, rows) = StoreText.ParseCsv((await StoreText.ReadAsync(store, "scored/iris/batch.csv"))!);
        Assert.Equal(150 * 40, rows.Count);
        Assert.Equal(["scored/iris/batch.csv", "scored/iris/batch.csv.summary.json"], await StoreText.ListAsync(store, "scored/"));
        Assert.Empty(await StoreText.ListAsync(store, "incoming/"));
    }

    [Fact]
    public async Task ScoreAsync_RepeatedTriggerForTheSameUpload_DoesNothingButANewUploadIsScored()
    {
        var scorer = CreateSut(options: new FileScoringOptions { DeleteInput = false });
        await StoreText.WriteAsync(_store, Input, IrisFile(repeat: 1));
        var first = await scorer.ScoreAsync(Input);
        var summaryETag = await _store.GetETagAsync("scored/iris/batch.csv.summary.json");
        var calls = _resolver.Calls;

        var again = await scorer.ScoreAsync(Input);

        Assert.Equal(FileScoringStatus.AlreadyScored, again.Status);
        Assert.Equal(first.Summary, again.Summary);
        Assert.Equal(calls, _resolver.Calls);
        Assert.Equal(summaryETag, await _store.GetETagAsync("scored/iris/batch.csv.summary.json"));

        var newUpload = await StoreText.WriteAsync(_store, Input, IrisHeader + "\n5.1,3.5,1.4,0.2\n");
        var rescored = await scorer.ScoreAsync(Input);

        Assert.Equal(FileScoringStatus.Scored, rescored.Status);
        Assert.Equal((1L, newUpload), (rescored.Summary!.Rows, rescored.Summary.InputETag));
    }

    [Fact]
    public async Task ScoreAsync_RescoredWithoutRejects_RemovesTheStaleRejectedFile()
    {
        await StoreText.WriteAsync(_store, Input, IrisHeader + "\n5.1,x,1.4,0.2\n5.1,3.5,1.4,0.2");
        await CreateSut().ScoreAsync(Input);
        Assert.NotNull(await _store.GetETagAsync("scored/iris/batch.csv.rejected.csv"));

        await StoreText.WriteAsync(_store, Input, IrisHeader + "\n5.1,3.5,1.4,0.2");
        var result = await CreateSut().ScoreAsync(Input);

        Assert.Equal(0, result.Summary!.Rejected);
        Assert.Null(await _store.GetETagAsync("scored/iris/batch.csv.rejected.csv"));
    }

    [Fact]
    public async Task ScoreAsync_ClaimLeftByADeadScorer_IsTakenOverOnceItExpires()
    {
        var eTag = await StoreText.WriteAsync(_store, Input, IrisFile(repeat: 1));
        var expiresAt = DateTimeOffset.UtcNow.AddMilliseconds(600);
        await StoreText.WriteAsync(_store, "scored/iris/batch.csv.lease.json", JsonSerializer.Serialize(new { owner = "dead", inputETag = eTag, acquiredAt = DateTimeOffset.UtcNow, expiresAt }));

        var result = await CreateSut(options: new FileScoringOptions { LeaseDuration = TimeSpan.FromSeconds(2) }).ScoreAsync(Input);

        Assert.Equal(FileScoringStatus.Scored, result.Status);
        Assert.True(DateTimeOffset.UtcNow >= expiresAt);
        Assert.Null(await _store.GetETagAsync("scored/iris/batch.csv.lease.json"));
    }

    [Fact]
    public async Task ScoreAsync_ManySmallBlocksOnSeveralWorkers_KeepsTheInputOrder()
    {
        var text = new StringBuilder("n,").Append(IrisHeader).Append('\n');
        var lines = ScoringTestModels.IrisFeatureLines();
        for (var i = 0; i < 3000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{i},{lines[1 + (i % 150)]}\n");
        }

        await StoreText.WriteAsync(_store, Input, text.ToString());

        var result = await CreateSut(options: new FileScoringOptions { BlockRows = 7, Workers = 3 }).ScoreAsync(Input);

        var (_, rows) = StoreText.ParseCsv((await StoreText.ReadAsync(_store, "scored/iris/batch.csv"))!);
        Assert.Equal(3000, result.Summary!.Scored);
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => i.ToString(CultureInfo.InvariantCulture)), rows.Select(row => row[0]));
    }

    [Fact]
    public async Task ScoreAsync_RecordBoundariesLostAfterManyBlocks_FailsTheWholeFileAndCommitsNoOutput()
    {
        var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootDirectory = _directory.Path, FlushToDisk = false });
        var text = IrisFile(repeat: 20) + "5.1,3.5,1.4,\"0.2\"x\n" + IrisFile(repeat: 1);
        await StoreText.WriteAsync(store, Input, text);

        var result = await CreateSut(store, new FileScoringOptions { BlockRows = 64 }).ScoreAsync(Input);

        Assert.Equal(FileScoringStatus.Failed, result.Status);
        Assert.Equal((ScoringFailureKind.UnreadableData, 3002L), (result.Error!.Kind, result.Error.LineNumber));
        Assert.Empty(await StoreText.ListAsync(store, "scored/"));
        Assert.Empty(Directory.GetFiles(System.IO.Path.Combine(_directory.Path, "scored"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task ScoreAsync_JsonLineWithAnOutputKey_IsRejected()
    {
        const string Path = "incoming/iris/rows.jsonl";
        await StoreText.WriteAsync(_store, Path, string.Join(
            "\n",
            """{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}""",
            """{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "prediction": "mine"}""",
            """{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "x": "\"prediction\": 1"}""",
            """[1, 2]"""));

        var result = await CreateSut().ScoreAsync(Path);

        Assert.Equal((4L, 2L, 2L), (result.Summary!.Rows, result.Summary.Scored, result.Summary.Rejected));
        var (_, rejected) = StoreText.ParseCsv((await StoreText.ReadAsync(_store, "scored/iris/rows.jsonl.rejected.csv"))!);
        Assert.Equal(["2", "prediction"], rejected[0][..2]);
        Assert.Equal("4", rejected[1][0]);
        Assert.Contains("array", rejected[1][2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreAsync_InputGone_ReturnsNotFound()
    {
        var result = await CreateSut().ScoreAsync(Input);

        Assert.Equal(FileScoringStatus.NotFound, result.Status);
    }

    [Theory]
    [InlineData("scored/iris/batch.csv")]
    [InlineData("incoming/")]
    [InlineData("incoming/iris/../x.csv")]
    public async Task ScoreAsync_PathOutsideIncoming_Throws(string path)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => CreateSut().ScoreAsync(path));
    }

    [Fact]
    public async Task ScoreLocalFileAsync_WritesOutputAndRejectedBesideIt()
    {
        var input = System.IO.Path.Combine(_directory.Path, "in.csv");
        var output = System.IO.Path.Combine(_directory.Path, "out.csv");
        await File.WriteAllTextAsync(input, IrisHeader + "\n5.1,3.5,1.4,0.2\n5.1,?,1.4,0.2\n");

        var result = await CreateSut().ScoreLocalFileAsync("iris", input, output);

        Assert.Equal(new ScoringCounts(2, 1, 1), result.Counts);
        Assert.Equal("7", result.Version);
        Assert.Equal(2, File.ReadAllLines(output).Length);
        Assert.Equal(output + ".rejected.csv", result.RejectedOutput);
        Assert.Contains("sepal_width", File.ReadAllText(result.RejectedOutput!), StringComparison.Ordinal);
        Assert.Equal(["in.csv", "out.csv", "out.csv.rejected.csv"], Directory.GetFiles(_directory.Path).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private FileScorer CreateSut(IObjectStore? store = null, FileScoringOptions? options = null) =>
        new(store ?? _store, _resolver, TimeProvider.System, options);

    private static string IrisFile(int repeat)
    {
        var lines = ScoringTestModels.IrisFeatureLines();
        var text = new StringBuilder(lines[0]).Append('\n');
        for (var r = 0; r < repeat; r++)
        {
            foreach (var line in lines.Skip(1))
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    private static float[] Predict(TrainedModel model, string[] irisFields)
    {
        var json = $$"""{"sepal_length": {{irisFields[0]}}, "sepal_width": {{irisFields[1]}}, "petal_length": {{irisFields[2]}}, "petal_width": {{irisFields[3]}}}""";
        var features = new float[model.FeatureCount];
        model.Pipeline.TransformJson(JsonDocument.Parse(json).RootElement, features);
        var output = new float[model.OutputCount];
        model.Predictor.Predict(features, output);
        return output;
    }
}
