namespace FunctionsMl.Functions.Tests.Support;

/// <summary>Files of the repository the tests run from: host.json, infra/, scripts/, models/.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FunctionsMl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FunctionsMl.sln not found above " + AppContext.BaseDirectory);
    }
}
