using System.Text;
using System.Text.Json;

namespace FunctionsMl.Serving.Tests.TestSupport;

/// <summary>Model files and manifests for registry and cache tests; the registry treats both as opaque.</summary>
public static class RegistryTestData
{
    public static byte[] ModelFile(string content) => Encoding.UTF8.GetBytes($"FML-TEST:{content}");

    public static JsonElement Manifest(string trainer = "gbdt", double accuracy = 0.9)
    {
        using JsonDocument document = JsonDocument.Parse($$"""{ "format": 1, "trainer": "{{trainer}}", "metrics": { "accuracy": {{accuracy.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } }""");
        return document.RootElement.Clone();
    }
}
