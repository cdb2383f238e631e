using Microsoft.Extensions.Configuration;

namespace FunctionsMl.Functions.Storage;

/// <summary>Which store the Functions app keeps models in, from the <c>FunctionsMl__Storage</c> setting.</summary>
public enum ObjectStoreKind
{
    /// <summary>Blob storage through the <c>FunctionsMlStorage</c> connection: the deployed app and <c>func start</c> with Azurite.</summary>
    Azure,

    /// <summary>The shared file-system store (<c>FunctionsMl__StorePath</c>): a local run with no storage emulator.</summary>
    FileSystem,
}

public static class ObjectStoreKinds
{
    public const string SettingKey = "FunctionsMl:Storage";

    /// <summary>Reads the setting; absent means <see cref="ObjectStoreKind.Azure"/>, since a Functions app's local disk is neither shared nor kept.</summary>
    /// <exception cref="InvalidOperationException">The value is neither <c>azure</c> nor <c>filesystem</c>.</exception>
    public static ObjectStoreKind FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[SettingKey] switch
        {
            null or "" => ObjectStoreKind.Azure,
            var value when value.Equals("azure", StringComparison.OrdinalIgnoreCase) => ObjectStoreKind.Azure,
            var value when value.Equals("filesystem", StringComparison.OrdinalIgnoreCase) => ObjectStoreKind.FileSystem,
            var value => throw new InvalidOperationException($"The setting FunctionsMl__Storage is '{value}'; expected 'azure' or 'filesystem'."),
        };
    }
}
