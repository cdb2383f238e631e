using System.Text;
using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Storage;
using FunctionsMl.Serving.Tests.Retraining;
using FunctionsMl.Serving.Tests.TestSupport;

namespace FunctionsMl.Serving.Tests.Definitions;

public sealed class DefinitionPublisherTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly InMemoryObjectStore _store = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task PublishAsync_IrisSample_CopiesDefinitionAndDataIntoTheStore()
    {
        string iris = SampleModel.Directory("iris");

        DefinitionPublication publication = await new DefinitionPublisher(_store).PublishAsync(iris);

        Assert.Equal("iris", publication.Model);
        Assert.True(publication.DefinitionChanged);
        Assert.Equal(["training/iris/iris.csv"], publication.Uploaded);
        Assert.Empty(publication.Unchanged);
        Assert.Empty(publication.Removed);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(iris, "model.json")), (await _store.ReadAsync("models/iris/model.json"))!.Content.ToArray());
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(iris, "data", "iris.csv")), (await _store.ReadAsync("training/iris/iris.csv"))!.Content.ToArray());
        StoredDefinition stored = (await new DefinitionStore(_store).GetAsync("iris"))!;
        Assert.Equal("iris", stored.Name);
        Assert.Equal(0.85, stored.Definition.Validation.Minimum);
        Assert.Equal(await _store.GetETagAsync("models/iris/model.json"), stored.ETag);
    }

    [Fact]
    public async Task PublishAsync_Unchanged_WritesNothing()
    {
        string model = WriteModel("m", ("a.csv", "x,y\n1,2\n3,4\n"), ("b.jsonl", "{\"x\":5,\"y\":6}\n"));
        var publisher = new DefinitionPublisher(_store);
        await publisher.PublishAsync(model);
        string definitionETag = (await _store.GetETagAsync("models/m/model.json"))!;
        string dataETag = (await _store.GetETagAsync("training/m/a.csv"))!;
        string recordETag = (await _store.GetETagAsync("models/m/published.json"))!;

        DefinitionPublication again = await publisher.PublishAsync(model);

        Assert.False(again.DefinitionChanged);
        Assert.Empty(again.Uploaded);
        Assert.Equal(["training/m/a.csv", "training/m/b.jsonl"], again.Unchanged);
        Assert.Equal(definitionETag, await _store.GetETagAsync("models/m/model.json"));
        Assert.Equal(dataETag, await _store.GetETagAsync("training/m/a.csv"));
        Assert.Equal(recordETag, await _store.GetETagAsync("models/m/published.json"));
    }

    [Fact]
    public async Task PublishAsync_OneFileChangedOneRemoved_UploadsAndRemovesOnlyThose()
    {
        string model = WriteModel("m", ("a.csv", "x,y\n1,2\n3,4\n"), ("b.csv", "x,y\n5,6\n7,8\n"), ("c.csv", "x,y\n9,10\n11,12\n"));
        var publisher = new DefinitionPublisher(_store);
        await publisher.PublishAsync(model);
        await _store.WriteAsync("training/m/feedback-1.csv", "x,y\n13,14\n"u8.ToArray(), WriteCondition.IfNoneMatch);
        await File.WriteAllTextAsync(Path.Combine(model, "data", "b.csv"), "x,y\n5,6\n7,9\n");
        File.Delete(Path.Combine(model, "data", "c.csv"));

        DefinitionPublication again = await publisher.PublishAsync(model);

        Assert.Equal(["training/m/b.csv"], again.Uploaded);
        Assert.Equal(["training/m/a.csv"], again.Unchanged);
        Assert.Equal(["training/m/c.csv"], again.Removed);
        Assert.Equal("x,y\n5,6\n7,9\n", Encoding.UTF8.GetString((await _store.ReadAsync("training/m/b.csv"))!.Content.Span));
        Assert.Null(await _store.GetETagAsync("training/m/c.csv"));
        Assert.NotNull(await _store.GetETagAsync("training/m/feedback-1.csv")); // Not the publisher's to remove.
    }

    [Fact]
    public async Task PublishAsync_StoreAlreadyHoldsTheSameBytes_DoesNotRewrite()
    {
        string model = WriteModel("m", ("a.csv", "x,y\n1,2\n3,4\n"));
        string eTag = await _store.WriteAsync("training/m/a.csv", "x,y\n1,2\n3,4\n"u8.ToArray(), WriteCondition.None);

        DefinitionPublication publication = await new DefinitionPublisher(_store).PublishAsync(model);

        Assert.Equal(["training/m/a.csv"], publication.Unchanged);
        Assert.Equal(eTag, await _store.GetETagAsync("training/m/a.csv"));
    }

    [Fact]
    public async Task PublishAsync_InvalidSchedule_NamesModelFieldAndFile()
    {
        string model = WriteModel("m", ("a.csv", "x,y\n1,2\n"), schedule: "0 2 * * *");

        var error = await Assert.ThrowsAsync<ModelDefinitionException>(() => new DefinitionPublisher(_store).PublishAsync(model));

        Assert.Equal("schedule", error.Field);
        Assert.Contains("model 'm': '0 2 * * *' is not a six-field NCRONTAB expression", error.Message);
        Assert.Contains(Path.Combine(model, "model.json"), error.Message);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task PublishAsync_DataFileNameNotStorable_SaysWhich()
    {
        string model = WriteModel("m", ("my data.csv", "x,y\n1,2\n"));

        var error = await Assert.ThrowsAsync<ModelDefinitionException>(() => new DefinitionPublisher(_store).PublishAsync(model));

        Assert.Equal("data", error.Field);
        Assert.Contains("'my data.csv'", error.Message);
    }

    [Fact]
    public async Task PublishAsync_NoDataFiles_Fails()
    {
        string model = WriteModel("m", ("notes.txt", "nothing"));

        var error = await Assert.ThrowsAsync<DataFormatException>(() => new DefinitionPublisher(_store).PublishAsync(model));

        Assert.Contains("has no data files", error.Message);
    }

    [Fact]
    public async Task PublishAsync_NoDefinition_SaysSo()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => new DefinitionPublisher(_store).PublishAsync(_folder.Path));

        Assert.Contains("There is no model.json in", error.Message);
    }

    [Fact]
    public async Task PublishAllAsync_OneBrokenModel_PublishesTheOthers()
    {
        WriteModel("good", ("a.csv", "x,y\n1,2\n"));
        string broken = WriteModel("broken", ("a.csv", "x,y\n1,2\n"));
        await File.WriteAllTextAsync(Path.Combine(broken, "model.json"), "{ \"name\": \"broken\" ");
        Directory.CreateDirectory(Path.Combine(_folder.Path, "not-a-model"));

        IReadOnlyList<DefinitionPublishResult> results = await new DefinitionPublisher(_store).PublishAllAsync(_folder.Path);

        Assert.Equal(2, results.Count);
        Assert.IsType<ModelDefinitionException>(results[0].Error);
        Assert.Equal("good", results[1].Publication!.Model);
        Assert.Equal(["good"], await new DefinitionStore(_store).ListNamesAsync());
    }

    [Fact]
    public async Task GetAsync_StoredDefinitionForAnotherName_IsRefused()
    {
        await _store.WriteAsync("models/a/model.json", """{"name":"b","task":"regression","label":"y","trainer":{"type":"linear"}}"""u8.ToArray(), WriteCondition.None);

        var error = await Assert.ThrowsAsync<ModelDefinitionException>(() => new DefinitionStore(_store).GetAsync("a"));

        Assert.Equal("name", error.Field);
        Assert.Contains("models/a/model.json", error.Message);
    }

    [Fact]
    public async Task ListAsync_InvalidStoredDefinition_IsLeftOut()
    {
        await _store.WriteAsync("models/a/model.json", """{"name":"a","task":"regression","label":"y","trainer":{"type":"linear"}}"""u8.ToArray(), WriteCondition.None);
        await _store.WriteAsync("models/b/model.json", """{"name":"b","task":"dance"}"""u8.ToArray(), WriteCondition.None);
        await _store.WriteAsync("models/c/versions/1/model.fml", "x"u8.ToArray(), WriteCondition.None);

        IReadOnlyList<StoredDefinition> definitions = await new DefinitionStore(_store).ListAsync();

        Assert.Equal(["a"], definitions.Select(d => d.Name));
    }

    private string WriteModel(string name, (string File, string Content) first, params (string File, string Content)[] more) =>
        WriteModel(name, [first, .. more], schedule: null);

    private string WriteModel(string name, (string File, string Content) file, string? schedule) => WriteModel(name, [file], schedule);

    private string WriteModel(string name, (string File, string Content)[] files, string? schedule)
    {
        string directory = Path.Combine(_folder.Path, name);
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        string scheduleField = schedule is null ? string.Empty : $", \"schedule\": \"{schedule}\"";
        File.WriteAllText(Path.Combine(directory, "model.json"), $$"""{ "name": "{{name}}", "task": "regression", "label": "y", "trainer": { "type": "linear" }{{scheduleField}} }""");
        foreach ((string file, string content) in files)
        {
            File.WriteAllText(Path.Combine(directory, "data", file), content);
        }

        return directory;
    }
}
