using System.Text.RegularExpressions;

namespace FunctionsMl.Functions.Tests.Metadata;

/// <summary>A function the deployment hooks name: Event Grid delivers blobs created in <paramref name="Container"/> to it.</summary>
public sealed record ScriptedBlobFunction(string Script, string FunctionName, string Container);

/// <summary>
/// What the infrastructure fixes for the app, read from the files that fix it: containers and queues
/// (infra/main.bicep), app settings (infra/app/api.bicep) and the functions the azd hooks subscribe
/// (scripts/postdeploy.*). tests/infra/check_infra.sh holds those files to DESIGN.md §4.
/// </summary>
public sealed partial record InfrastructureFacts(
    IReadOnlySet<string> Containers,
    IReadOnlySet<string> Queues,
    IReadOnlySet<string> AppSettings,
    IReadOnlyList<ScriptedBlobFunction> ScriptedBlobFunctions)
{
    public static InfrastructureFacts Repository { get; } = Read();

    private static InfrastructureFacts Read()
    {
        var main = Support.Repository.Read("infra", "main.bicep");
        var api = Support.Repository.Read("infra", "app", "api.bicep");
        var shell = Support.Repository.Read("scripts", "postdeploy.sh");
        var pwsh = Support.Repository.Read("scripts", "postdeploy.ps1");
        return new InfrastructureFacts(
            BicepArray(main, "dataContainerNames"),
            BicepArray(main, "queueNames"),
            BicepObjectKeys(api, "appSettings"),
            [
                new("scripts/postdeploy.sh", ShellValue(shell, "function_name"), ShellValue(shell, "container")),
                new("scripts/postdeploy.ps1", PwshValue(pwsh, "functionName"), PwshValue(pwsh, "container")),
            ]);
    }

    private static HashSet<string> BicepArray(string bicep, string variable)
    {
        var block = Block(bicep, $@"var {variable} = \[", ']');
        return BicepStringItem().Matches(block).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    private static HashSet<string> BicepObjectKeys(string bicep, string variable)
    {
        var block = Block(bicep, $@"var {variable} = \{{", '}');
        return BicepObjectKey().Matches(block).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The text from the line that opens <paramref name="opening"/> to the first line that is just the closing character.</summary>
    private static string Block(string text, string opening, char closing)
    {
        var start = Regex.Match(text, "^" + opening + @"\s*$", RegexOptions.Multiline);
        if (!start.Success)
        {
            throw new InvalidOperationException($"'{opening}' not found; has the file changed shape?");
        }

        var end = text.IndexOf("\n" + closing + "\n", start.Index, StringComparison.Ordinal);
        return text[start.Index..end];
    }

    private static string ShellValue(string script, string variable) =>
        Regex.Match(script, $@"^{variable}=([A-Za-z0-9-]+)\s*$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"{variable}= not found in scripts/postdeploy.sh");

    private static string PwshValue(string script, string variable) =>
        Regex.Match(script, $@"^\${variable} = '([A-Za-z0-9-]+)'\s*$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"${variable} = '...' not found in scripts/postdeploy.ps1");

    [GeneratedRegex(@"^\s+'([a-z0-9-]+)'", RegexOptions.Multiline)]
    private static partial Regex BicepStringItem();

    [GeneratedRegex(@"^  ([A-Za-z_][A-Za-z0-9_]*): ", RegexOptions.Multiline)]
    private static partial Regex BicepObjectKey();
}
