using System.Text.RegularExpressions;
using FunctionsMl.Functions.Storage;
using NCrontab;

namespace FunctionsMl.Functions.Tests.Metadata;

/// <summary>
/// What every function of the app must satisfy so that the deployed infrastructure can run it: bindings name
/// containers, queues and connections that infra/ creates and configures; HTTP routes bind their parameters;
/// blob triggers use the only source Flex Consumption supports; timer schedules parse. Each problem names the
/// function and the fix.
/// </summary>
public static partial class FunctionRules
{
    /// <summary>Every rule over every function; empty when all hold.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<FunctionDeclaration> functions, InfrastructureFacts infra)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(infra);
        var problems = new List<string>();
        problems.AddRange(functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"function name '{g.Key}' is used by {string.Join(", ", g.Select(f => f.Method))}; names must be unique (case-insensitively, as the host sees them)"));
        foreach (var function in functions)
        {
            problems.AddRange(CheckFunction(function, infra).Select(p => $"{function.Name} ({function.Method}): {p}"));
        }

        return problems;
    }

    /// <summary>Problems of the function the hooks subscribe to Event Grid: it must exist and take blobs created in the hook's container.</summary>
    public static IReadOnlyList<string> CheckScripted(IReadOnlyList<FunctionDeclaration> functions, ScriptedBlobFunction scripted)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(scripted);
        var function = functions.SingleOrDefault(f => f.Name == scripted.FunctionName);
        if (function is null)
        {
            return [$"{scripted.Script} subscribes Host.Functions.{scripted.FunctionName} to Event Grid, but no [Function(\"{scripted.FunctionName}\")] exists"];
        }

        var trigger = function.Trigger;
        if (trigger is not { Kind: "BlobTrigger" })
        {
            return [$"{scripted.Script} subscribes {scripted.FunctionName} to blob events, but its trigger is {trigger?.Kind ?? "missing"}, not BlobTrigger"];
        }

        var problems = new List<string>();
        if (ContainerOf(trigger.Text("BlobPath")) != scripted.Container)
        {
            problems.Add($"{scripted.Script} subscribes {scripted.FunctionName} to container '{scripted.Container}', but its BlobTrigger path is '{trigger.Text("BlobPath")}'");
        }

        if (trigger.Text("Source") != "EventGrid")
        {
            problems.Add($"{scripted.FunctionName} must use Source = BlobTriggerSource.EventGrid for the hook's Event Grid subscription to reach it");
        }

        return problems;
    }

    private static IEnumerable<string> CheckFunction(FunctionDeclaration function, InfrastructureFacts infra)
    {
        var triggers = function.Triggers.ToList();
        if (triggers.Count != 1)
        {
            yield return $"has {triggers.Count} triggers; a function needs exactly one";
        }

        foreach (var binding in function.Bindings)
        {
            var problems = binding.Kind switch
            {
                "HttpTrigger" => CheckHttp(function, binding),
                "BlobTrigger" or "BlobInput" or "BlobOutput" => CheckBlob(binding, infra),
                "QueueTrigger" or "QueueOutput" => CheckQueue(binding, infra),
                "TimerTrigger" => CheckTimer(binding, infra),
                _ => [],
            };
            foreach (var problem in problems.Concat(CheckConnections(binding, infra)))
            {
                yield return problem;
            }
        }
    }

    private static IEnumerable<string> CheckHttp(FunctionDeclaration function, BindingDeclaration trigger)
    {
        var route = trigger.Text("Route");
        if (string.IsNullOrEmpty(route) || route.StartsWith('/'))
        {
            yield return $"HttpTrigger Route is '{route}'; give the full path without a leading '/' (host.json's routePrefix is empty)";
            yield break;
        }

        if (trigger.Texts("Methods").Count == 0)
        {
            yield return "HttpTrigger lists no methods, so it would answer every method";
        }

        if (trigger.Text("AuthLevel") is not ("Anonymous" or "Function"))
        {
            yield return $"HttpTrigger AuthLevel is {trigger.Text("AuthLevel")}; use Function (a function key) or Anonymous";
        }

        var routeParameters = RouteParameter().Matches(route).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        foreach (var name in routeParameters.Where(name => !function.Parameters.Any(p => p.Name == name && p.Type == typeof(string))))
        {
            yield return $"route parameter {{{name}}} has no method parameter 'string {name}' to bind to";
        }

        var bound = function.Bindings.Select(b => b.ParameterName).ToHashSet(StringComparer.Ordinal);
        foreach (var parameter in function.Parameters.Where(p => !bound.Contains(p.Name) && !routeParameters.Contains(p.Name) && !IsContext(p.Type)))
        {
            yield return $"parameter '{parameter.Name}' is neither a binding, a route parameter, a CancellationToken nor the FunctionContext";
        }
    }

    private static IEnumerable<string> CheckBlob(BindingDeclaration binding, InfrastructureFacts infra)
    {
        var path = binding.Text("BlobPath");
        if (ContainerOf(path) is { } container && !container.StartsWith('%') && !infra.Containers.Contains(container))
        {
            yield return $"{binding.Kind} path '{path}' is in container '{container}', which infra/main.bicep does not create ({string.Join(", ", infra.Containers.Order())})";
        }

        if (binding.Kind == "BlobTrigger" && binding.Text("Source") != "EventGrid")
        {
            yield return "BlobTrigger must set Source = BlobTriggerSource.EventGrid: Flex Consumption supports no other blob trigger source";
        }
    }

    private static IEnumerable<string> CheckQueue(BindingDeclaration binding, InfrastructureFacts infra)
    {
        var queue = binding.Text("QueueName");
        if (queue is null || (!queue.StartsWith('%') && !infra.Queues.Contains(queue)))
        {
            yield return $"{binding.Kind} queue '{queue}' is not a queue infra/main.bicep creates ({string.Join(", ", infra.Queues.Order())})";
        }
        else if (binding.Kind == "QueueTrigger" && !queue.StartsWith('%') && !infra.Queues.Contains(queue + "-poison"))
        {
            yield return $"QueueTrigger on '{queue}': infra/main.bicep should create '{queue}-poison', where the runtime sets aside messages that failed maxDequeueCount times";
        }
    }

    private static IEnumerable<string> CheckTimer(BindingDeclaration binding, InfrastructureFacts infra)
    {
        var schedule = binding.Text("Schedule") ?? string.Empty;
        if (AppSettingReference().Match(schedule) is { Success: true } reference)
        {
            if (!infra.AppSettings.Contains(reference.Groups[1].Value))
            {
                yield return $"TimerTrigger schedule reads app setting {reference.Groups[1].Value}, which infra/app/api.bicep does not set";
            }
        }
        else if (CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is null)
        {
            yield return $"TimerTrigger schedule '{schedule}' is not a six-field NCRONTAB expression (a TimeSpan runs only on App Service plans, not Flex Consumption)";
        }

        if (binding.Properties.GetValueOrDefault("RunOnStartup") is true)
        {
            yield return "TimerTrigger RunOnStartup would run it on every scale-out; leave it false";
        }
    }

    /// <summary>A storage binding names the model store's connection, and every named connection is configured in the app settings.</summary>
    private static IEnumerable<string> CheckConnections(BindingDeclaration binding, InfrastructureFacts infra)
    {
        var storageService = binding.Kind switch
        {
            "BlobTrigger" or "BlobInput" or "BlobOutput" => "blobServiceUri",
            "QueueTrigger" or "QueueOutput" => "queueServiceUri",
            _ => null,
        };
        var connection = binding.Text("Connection") ?? binding.Text("ConnectionName");
        if (storageService is not null && connection != BlobStorageConnection.Name)
        {
            yield return $"{binding.Kind} Connection is '{connection}'; the model store's blobs and queues are reached through Connection = \"{BlobStorageConnection.Name}\"";
            yield break;
        }

        if (string.IsNullOrEmpty(connection))
        {
            yield break;
        }

        bool configured = storageService is null
            ? infra.AppSettings.Any(s => s == connection || s.StartsWith(connection + "__", StringComparison.Ordinal))
            : infra.AppSettings.Contains(connection) || infra.AppSettings.Contains($"{connection}__{storageService}") || infra.AppSettings.Contains($"{connection}__accountName");
        if (!configured)
        {
            yield return $"{binding.Kind} connection '{connection}' is not configured: infra/app/api.bicep sets no {connection}{(storageService is null ? "" : "__" + storageService)}";
        }
    }

    private static bool IsContext(Type type) =>
        type == typeof(CancellationToken) || type.FullName == "Microsoft.Azure.Functions.Worker.FunctionContext";

    private static string? ContainerOf(string? blobPath) =>
        blobPath is null ? null : blobPath.Split('/')[0];

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?=][^}]*)?\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"^%([A-Za-z0-9_]+)%$")]
    private static partial Regex AppSettingReference();
}
