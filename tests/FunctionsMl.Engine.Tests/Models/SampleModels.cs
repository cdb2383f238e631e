using FunctionsMl.Engine.Data;
using FunctionsMl.Engine.Models;

namespace FunctionsMl.Engine.Tests.Models;

/// <summary>The sample model definitions shipped in the repository's models/ folder.</summary>
internal static class SampleModels
{
    public static string Directory(string name) => Path.Combine(RepositoryRoot(), "models", name);

    public static async Task<(ModelDefinition Definition, DataTable Data)> LoadAsync(string name)
    {
        var directory = Directory(name);
        var definition = await ModelDefinition.LoadAsync(Path.Combine(directory, "model.json"));
        var data = DataLoader.Load(Path.Combine(directory, definition.Data), new DataLoadOptions { ColumnKinds = definition.Features });
        return (definition, data);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests run outside the repository: FunctionsMl.sln not found above " + AppContext.BaseDirectory);
    }
}
