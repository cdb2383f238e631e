using System.Text.Json;

namespace FunctionsMl.Serving.Traffic;

/// <summary>A traffic change as sent to <c>PUT /api/models/{name}/traffic</c>.</summary>
public sealed record TrafficRequest(TrafficPolicy Policy, string? Reason, string? By);

/// <summary>
/// Reads the body of <c>PUT /api/models/{name}/traffic</c>, naming the field at fault for every problem:
/// <code>
/// {"split": [{"target": "production", "weight": 90}, {"target": "staging", "weight": 10}],
///  "shadows": [{"target": "3", "percent": 10}], "routingField": "customer_id", "reason": "A/B test of v3"}
/// </code>
/// </summary>
public static class TrafficPolicyJson
{
    private static readonly string[] TopFields = ["split", "shadows", "routingField", "reason", "by"];

    /// <exception cref="TrafficPolicyException">The body is not of that shape, or the policy breaks a rule.</exception>
    public static TrafficRequest Parse(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new TrafficPolicyException("$", "The body must be a JSON object: {\"split\": [{\"target\": \"production\", \"weight\": 100}], \"shadows\": [], \"routingField\": null, \"reason\": \"...\"}.");
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!TopFields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors[property.Name] = [$"Unknown field '{property.Name}'; the fields are {string.Join(", ", TopFields)}."];
            }
        }

        var split = ReadList(body, "split", "weight", required: true, errors).Select(e => new TrafficRoute(e.Target, e.Number)).ToList();
        var shadows = ReadList(body, "shadows", "percent", required: false, errors).Select(e => new ShadowRoute(e.Target, e.Number)).ToList();
        var routingField = ReadString(body, "routingField", errors);
        var reason = ReadString(body, "reason", errors);
        var by = ReadString(body, "by", errors);
        if (by is { Length: 0 })
        {
            errors["by"] = ["'by' names who makes the change; leave it out to record \"api\"."];
        }

        if (errors.Count > 0)
        {
            throw new TrafficPolicyException($"The traffic policy is invalid: {string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}"))}", errors);
        }

        var policy = new TrafficPolicy(split, shadows, routingField);
        TrafficPolicyRules.Validate(policy);
        return new TrafficRequest(policy, reason, by);
    }

    private static List<(string Target, int Number)> ReadList(JsonElement body, string name, string numberName, bool required, Dictionary<string, string[]> errors)
    {
        var result = new List<(string, int)>();
        if (!body.TryGetProperty(name, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = [$"'{name}' is required: a list of {{\"target\": \"<alias or version>\", \"{numberName}\": <1-100>}}."];
            }

            return result;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            errors[name] = [$"'{name}' must be a list of {{\"target\": \"<alias or version>\", \"{numberName}\": <1-100>}}."];
            return result;
        }

        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var path = $"{name}[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors[path] = [$"Each entry is {{\"target\": \"<alias or version>\", \"{numberName}\": <1-100>}}."];
                continue;
            }

            foreach (var property in item.EnumerateObject())
            {
                if (property.Name != "target" && property.Name != numberName)
                {
                    errors[$"{path}.{property.Name}"] = [$"Unknown field '{property.Name}'; an entry has \"target\" and \"{numberName}\"."];
                }
            }

            string? target = null;
            if (!item.TryGetProperty("target", out var targetElement) || targetElement.ValueKind != JsonValueKind.String)
            {
                errors[$"{path}.target"] = ["The target is a string: an alias (\"production\") or a version (\"3\")."];
            }
            else
            {
                target = targetElement.GetString();
            }

            int? number = null;
            if (!item.TryGetProperty(numberName, out var numberElement) || numberElement.ValueKind != JsonValueKind.Number)
            {
                errors[$"{path}.{numberName}"] = [$"The {numberName} is a whole number from 1 to 100."];
            }
            else if (!numberElement.TryGetInt32(out var whole))
            {
                errors[$"{path}.{numberName}"] = [$"The {numberName} must be a whole number from 1 to 100, not {numberElement.GetRawText()}."];
            }
            else
            {
                number = whole;
            }

            if (target is not null && number is not null)
            {
                result.Add((target, number.Value));
            }
        }

        return result;
    }

    private static string? ReadString(JsonElement body, string name, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"'{name}' must be a string or null."];
            return null;
        }

        return value.GetString()!.Trim();
    }
}
