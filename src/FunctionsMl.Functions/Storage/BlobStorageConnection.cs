using Microsoft.Extensions.Configuration;

namespace FunctionsMl.Functions.Storage;

/// <summary>
/// Where the model store's blobs live and how to sign in, read from the <c>FunctionsMlStorage</c> connection
/// the same way the Functions host reads a binding's <c>Connection</c>: a plain value is a connection string
/// (locally <c>UseDevelopmentStorage=true</c>); otherwise <c>FunctionsMlStorage__blobServiceUri</c> (or
/// <c>__accountName</c>) names the account and the app signs in with Entra ID.
/// </summary>
/// <param name="ConnectionString">A storage connection string, or null for an identity-based connection.</param>
/// <param name="ServiceUri">The blob endpoint of an identity-based connection.</param>
/// <param name="ManagedIdentityClientId">The user-assigned identity to sign in as; null lets the credential choose.</param>
public sealed record BlobStorageConnection(string? ConnectionString, Uri? ServiceUri, string? ManagedIdentityClientId)
{
    /// <summary>The connection name the infrastructure configures (infra/app/api.bicep) and blob and queue bindings use.</summary>
    public const string Name = "FunctionsMlStorage";

    /// <summary>
    /// Reads the connection. Environment variables spell the nested settings with <c>__</c>
    /// (<c>FunctionsMlStorage__blobServiceUri</c>); configuration sees them as <c>FunctionsMlStorage:blobServiceUri</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Neither form is configured, or a value is malformed; the message names the setting.</exception>
    public static BlobStorageConnection FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[Name] is { Length: > 0 } connectionString)
        {
            return new BlobStorageConnection(connectionString, null, null);
        }

        var section = configuration.GetSection(Name);
        var clientId = NullIfEmpty(section["clientId"]) ?? NullIfEmpty(configuration["AZURE_CLIENT_ID"]);
        if (section["blobServiceUri"] is { Length: > 0 } serviceUri)
        {
            if (!Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                throw new InvalidOperationException($"The setting {Name}__blobServiceUri is '{serviceUri}'; expected an absolute URL such as https://<account>.blob.core.windows.net/.");
            }

            return new BlobStorageConnection(null, uri, clientId);
        }

        if (section["accountName"] is { Length: > 0 } accountName)
        {
            return new BlobStorageConnection(null, new Uri($"https://{accountName}.blob.core.windows.net/"), clientId);
        }

        throw new InvalidOperationException(
            $"The model store needs the {Name} connection: set {Name} to a connection string (UseDevelopmentStorage=true for Azurite), " +
            $"or {Name}__blobServiceUri (or {Name}__accountName) for a managed identity; or set FunctionsMl__Storage=filesystem to keep the store in a local folder.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
