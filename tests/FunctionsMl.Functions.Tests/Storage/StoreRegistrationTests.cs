using FunctionsMl.Functions.Hosting;
using FunctionsMl.Functions.Storage;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMl.Functions.Tests.Storage;

/// <summary>Which store the Azure app's registration ends up with. Descriptors only: the blob client is not built here.</summary>
public sealed class StoreRegistrationTests
{
    [Theory]
    [InlineData(null, ObjectStoreKind.Azure)]
    [InlineData("azure", ObjectStoreKind.Azure)]
    [InlineData("Azure", ObjectStoreKind.Azure)]
    [InlineData("filesystem", ObjectStoreKind.FileSystem)]
    [InlineData("FileSystem", ObjectStoreKind.FileSystem)]
    public void ObjectStoreKinds_FromSetting(string? value, ObjectStoreKind expected)
    {
        Assert.Equal(expected, ObjectStoreKinds.FromConfiguration(Configuration(("FunctionsMl:Storage", value))));
    }

    [Fact]
    public void ObjectStoreKinds_UnknownValue_NamesTheSettingAndTheChoices()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => ObjectStoreKinds.FromConfiguration(Configuration(("FunctionsMl:Storage", "s3"))));

        Assert.Contains("FunctionsMl__Storage", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'s3'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddFunctionsMlApp_AzureStorage_KeepsTheBlobStoreOverTheFileSystemDefault()
    {
        var services = new ServiceCollection();
        var configuration = Configuration(("FunctionsMl:Storage", "azure"), ("FunctionsMlStorage", "UseDevelopmentStorage=true"));

        services.AddFunctionsMlAzureStorage(configuration);
        var blobStore = Assert.Single(services, d => d.ServiceType == typeof(IObjectStore));
        services.AddFunctionsMlApp(configuration);

        Assert.Same(blobStore, Assert.Single(services, d => d.ServiceType == typeof(IObjectStore)));
        Assert.Single(services, d => d.ServiceType == typeof(Azure.Storage.Blobs.BlobServiceClient));
    }

    [Fact]
    public void AddFunctionsMlApp_FileSystemStorage_ResolvesTheFileSystemStore()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddFunctionsMlApp(Configuration(("FunctionsMl:Storage", "filesystem"), ("FunctionsMl:StorePath", Path.GetTempPath())));
        using var provider = services.BuildServiceProvider();

        Assert.IsType<FileSystemObjectStore>(provider.GetRequiredService<IObjectStore>());
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(Azure.Storage.Blobs.BlobServiceClient));
    }

    [Fact]
    public void AddFunctionsMlApp_AzureStorageWithoutConnection_FailsAtStartupNamingTheSetting()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddFunctionsMlApp(Configuration()));

        Assert.Contains("FunctionsMlStorage", failure.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();
}
