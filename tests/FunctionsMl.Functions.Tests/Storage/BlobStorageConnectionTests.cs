using FunctionsMl.Functions.Storage;
using Microsoft.Extensions.Configuration;

namespace FunctionsMl.Functions.Tests.Storage;

/// <summary>The model store's connection read as infra/app/api.bicep and the azd hook's local.settings.json set it.</summary>
public sealed class BlobStorageConnectionTests
{
    [Fact]
    public void FromConfiguration_PlainValue_IsAConnectionString()
    {
        var connection = BlobStorageConnection.FromConfiguration(Configuration(("FunctionsMlStorage", "UseDevelopmentStorage=true")));

        Assert.Equal(new BlobStorageConnection("UseDevelopmentStorage=true", null, null), connection);
    }

    [Fact]
    public void FromConfiguration_IdentitySettingsAsEnvironmentVariables_NameTheEndpointAndTheIdentity()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // What the environment provider makes of FunctionsMlStorage__blobServiceUri and friends.
            ["FunctionsMlStorage:credential"] = "managedidentity",
            ["FunctionsMlStorage:clientId"] = "uami-client-id",
            ["FunctionsMlStorage:blobServiceUri"] = "https://stfunctionsml.blob.core.windows.net/",
            ["AZURE_CLIENT_ID"] = "other-client-id",
        }).Build();

        var connection = BlobStorageConnection.FromConfiguration(configuration);

        Assert.Null(connection.ConnectionString);
        Assert.Equal(new Uri("https://stfunctionsml.blob.core.windows.net/"), connection.ServiceUri);
        Assert.Equal("uami-client-id", connection.ManagedIdentityClientId);
    }

    [Fact]
    public void FromConfiguration_WithoutConnectionClientId_FallsBackToAzureClientId()
    {
        var connection = BlobStorageConnection.FromConfiguration(Configuration(
            ("FunctionsMlStorage:blobServiceUri", "https://st.blob.core.windows.net/"), ("AZURE_CLIENT_ID", "uami")));

        Assert.Equal("uami", connection.ManagedIdentityClientId);
    }

    [Fact]
    public void FromConfiguration_AccountName_IsThePublicBlobEndpoint()
    {
        var connection = BlobStorageConnection.FromConfiguration(Configuration(("FunctionsMlStorage:accountName", "stfunctionsml")));

        Assert.Equal(new Uri("https://stfunctionsml.blob.core.windows.net/"), connection.ServiceUri);
        Assert.Null(connection.ManagedIdentityClientId);
    }

    [Fact]
    public void FromConfiguration_Nothing_NamesEverySettingThatWouldDo()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => BlobStorageConnection.FromConfiguration(Configuration()));

        Assert.Contains("FunctionsMlStorage__blobServiceUri", failure.Message, StringComparison.Ordinal);
        Assert.Contains("UseDevelopmentStorage=true", failure.Message, StringComparison.Ordinal);
        Assert.Contains("FunctionsMl__Storage=filesystem", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stfunctionsml.blob.core.windows.net")]
    [InlineData("ftp://stfunctionsml.blob.core.windows.net/")]
    public void FromConfiguration_MalformedServiceUri_NamesTheSetting(string value)
    {
        var failure = Assert.Throws<InvalidOperationException>(() =>
            BlobStorageConnection.FromConfiguration(Configuration(("FunctionsMlStorage:blobServiceUri", value))));

        Assert.Contains("FunctionsMlStorage__blobServiceUri", failure.Message, StringComparison.Ordinal);
        Assert.Contains(value, failure.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
