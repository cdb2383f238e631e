using Azure.Identity;
using Azure.Storage.Blobs;
using FunctionsMl.Serving.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FunctionsMl.Functions.Storage;

public static class AzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers blob storage as the <see cref="IObjectStore"/>, unless <c>FunctionsMl__Storage</c> is <c>filesystem</c>.
    /// Call it before <c>AddFunctionsMl</c>, which registers the file-system store only when no store is registered.
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings are incomplete; thrown at startup rather than on the first request.</exception>
    public static IServiceCollection AddFunctionsMlAzureStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (ObjectStoreKinds.FromConfiguration(configuration) == ObjectStoreKind.FileSystem)
        {
            return services;
        }

        var connection = BlobStorageConnection.FromConfiguration(configuration);

        // One client for the process: it holds the HTTP connection pool and the token cache.
        services.TryAddSingleton(_ => CreateServiceClient(connection));
        services.TryAddSingleton<IObjectStore>(sp => new AzureBlobObjectStore(
            sp.GetRequiredService<BlobServiceClient>(),
            sp.GetService<ILogger<AzureBlobObjectStore>>()));
        return services;
    }

    private static BlobServiceClient CreateServiceClient(BlobStorageConnection connection) =>
        connection.ConnectionString is { } connectionString
            ? new BlobServiceClient(connectionString)
            : new BlobServiceClient(
                connection.ServiceUri!,
                // A user-assigned identity is picked only when named; the app settings name it in
                // FunctionsMlStorage__clientId and AZURE_CLIENT_ID.
                new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = connection.ManagedIdentityClientId }));
}
