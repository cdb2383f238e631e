namespace FunctionsMl.Functions.Tests.Metadata;

/// <summary>The app's functions against the infrastructure that runs them.</summary>
public sealed class FunctionMetadataTests
{
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
            Assert.Empty(FunctionRules.CheckScripted(FunctionCatalog.App, function));
        }
    }
}
