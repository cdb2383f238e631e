using System.Globalization;

namespace FunctionsMl.Serving.Registry;

/// <summary>
/// Where the registry keeps things (DESIGN.md §4). Arguments are validated before they get here.
/// <code>
/// models/&lt;name&gt;/aliases.json                      alias → version, rollback targets, retention marks, recent audit
/// models/&lt;name&gt;/audit/&lt;first&gt;-&lt;last&gt;.json        older audit entries, fixed segments
/// models/&lt;name&gt;/versions/&lt;v&gt;/model.fml            the model file; written first, its create-only write claims &lt;v&gt;
/// models/&lt;name&gt;/versions/&lt;v&gt;/manifest.json        the engine's manifest, as given
/// models/&lt;name&gt;/versions/&lt;v&gt;/version.json         registry metadata; written last, the commit marker
/// </code>
/// </summary>
internal static class RegistryPaths
{
    public const string ModelFileName = "model.fml";
    public const string ManifestFileName = "manifest.json";
    public const string VersionFileName = "version.json";

    /// <summary>The files of a complete version, in the order they are written; deleted in the reverse order.</summary>
    public static readonly string[] VersionFiles = [ModelFileName, ManifestFileName, VersionFileName];

    public const string ModelsPrefix = "models/";

    public static string Model(string model) => $"models/{model}/";

    public static string Aliases(string model) => $"models/{model}/aliases.json";

    public static string AuditFolder(string model) => $"models/{model}/audit/";

    public static string AuditSegment(string model, long first, long last) =>
        string.Create(CultureInfo.InvariantCulture, $"models/{model}/audit/{first:d12}-{last:d12}.json");

    public static string Versions(string model) => $"models/{model}/versions/";

    public static string VersionFile(string model, string version, string file) => $"models/{model}/versions/{version}/{file}";
}
