namespace FunctionsMl.Functions.Tests.Metadata;

/// <summary>The app's functions against the infrastructure that runs them.</summary>
public sealed class FunctionMetadataTests
{
    /// <summary>
    /// Functions the deployment hooks already subscribe that the app does not declare yet: the blob scoring
    /// function arrives with event scoring. A name here must be absent; once the function exists, remove it here
    /// and its checks apply.
    /// </summary>
    private static readonly HashSet<string> Pending = new(StringComparer.Ordinal) { "ScoreIncomingBlob" };

    [Fact]
    public void App_EveryFunction_KeepsEveryRule()
    {
        Assert.NotEmpty(FunctionCatalog.App);
        Assert.Empty(FunctionRules.Check(FunctionCatalog.App, InfrastructureFacts.Repository));
    }

    [Fact]
    public void App_FunctionNamesAreUnique()
    {
        Assert.Equal(FunctionCatalog.App.Count, FunctionCatalog.App.Select(f => f.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void ScriptedBlobFunctions_ExistAsTheHooksSubscribeThem()
    {
        var scripted = InfrastructureFacts.Repository.ScriptedBlobFunctions;

        Assert.Equal(2, scripted.Count);
        Assert.Single(scripted.Select(s => (s.FunctionName, s.Container)).Distinct());
        foreach (var function in scripted)
        {
            if (Pending.Contains(function.FunctionName))
            {
                Assert.True(
                    FunctionCatalog.App.All(f => f.Name != function.FunctionName),
                    $"{function.FunctionName} now exists: remove it from {nameof(FunctionMetadataTests)}.{nameof(Pending)} so its checks apply.");
            }
            else
            {
                Assert.Empty(FunctionRules.CheckScripted(FunctionCatalog.App, function));
            }
        }
    }
}
