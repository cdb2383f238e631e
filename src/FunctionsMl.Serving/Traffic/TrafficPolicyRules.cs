using FunctionsMl.Serving.Registry;

namespace FunctionsMl.Serving.Traffic;

/// <summary>The rules a traffic policy must follow on its own, before its targets are looked up.</summary>
public static class TrafficPolicyRules
{
    /// <summary>
    /// Checks the split (1 to <see cref="TrafficDefaults.MaxSplitRoutes"/> distinct targets, whole weights of 1
    /// to 100 summing to 100), the shadows (up to <see cref="TrafficDefaults.MaxShadows"/> distinct targets,
    /// none of them in the split, percentages of 1 to 100) and the routing field.
    /// </summary>
    /// <returns>Field path → problems; empty when the policy follows every rule.</returns>
    public static Dictionary<string, string[]> Check(TrafficPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (policy.Split is null || policy.Split.Count == 0)
        {
            Add("split", "The split needs at least one route, e.g. [{\"target\": \"production\", \"weight\": 100}].");
        }
        else if (policy.Split.Count > TrafficDefaults.MaxSplitRoutes)
        {
            Add("split", $"The split has {policy.Split.Count} routes; the limit is {TrafficDefaults.MaxSplitRoutes}.");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < policy.Split.Count; i++)
            {
                var route = policy.Split[i];
                if (route is null)
                {
                    Add($"split[{i}]", "A route is {\"target\": \"<alias or version>\", \"weight\": <1-100>}.");
                    continue;
                }

                if (CheckTarget(route.Target) is { } problem)
                {
                    Add($"split[{i}].target", problem);
                }
                else if (!seen.Add(route.Target))
                {
                    Add($"split[{i}].target", $"'{route.Target}' appears twice in the split; give it one route with the sum of the weights.");
                }

                if (route.Weight is < 1 or > 100)
                {
                    Add($"split[{i}].weight", $"The weight is a whole percentage from 1 to 100, not {route.Weight}.");
                }
            }

            var total = policy.Split.Where(r => r is not null).Sum(r => (long)r.Weight);
            if (total != 100 && !errors.Keys.Any(k => k.EndsWith(".weight", StringComparison.Ordinal)))
            {
                Add("split", $"The weights add up to {total}; they must add up to 100.");
            }
        }

        var shadows = policy.Shadows ?? [];
        if (shadows.Count > TrafficDefaults.MaxShadows)
        {
            Add("shadows", $"The policy has {shadows.Count} shadows; the limit is {TrafficDefaults.MaxShadows}.");
        }
        else
        {
            var splitTargets = (policy.Split ?? []).Where(r => r is not null).Select(r => r.Target).ToHashSet(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < shadows.Count; i++)
            {
                var shadow = shadows[i];
                if (shadow is null)
                {
                    Add($"shadows[{i}]", "A shadow is {\"target\": \"<alias or version>\", \"percent\": <1-100>}.");
                    continue;
                }

                if (CheckTarget(shadow.Target) is { } problem)
                {
                    Add($"shadows[{i}].target", problem);
                }
                else if (splitTargets.Contains(shadow.Target))
                {
                    Add($"shadows[{i}].target", $"'{shadow.Target}' is in the split; a shadow must be a target that does not answer requests.");
                }
                else if (!seen.Add(shadow.Target))
                {
                    Add($"shadows[{i}].target", $"'{shadow.Target}' appears twice among the shadows.");
                }

                if (shadow.Percent is < 1 or > 100)
                {
                    Add($"shadows[{i}].percent", $"The share of requests copied is a whole percentage from 1 to 100, not {shadow.Percent}.");
                }
            }
        }

        if (policy.RoutingField is { } field && (string.IsNullOrWhiteSpace(field) || field.Length > TrafficDefaults.MaxRoutingFieldLength))
        {
            Add("routingField", $"The routing field is the name of a field of the request row, 1 to {TrafficDefaults.MaxRoutingFieldLength} characters, or null.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <exception cref="TrafficPolicyException">The policy breaks a rule of <see cref="Check"/>.</exception>
    public static void Validate(TrafficPolicy policy)
    {
        var errors = Check(policy);
        if (errors.Count > 0)
        {
            throw new TrafficPolicyException($"The traffic policy is invalid: {string.Join(" ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")))}", errors);
        }
    }

    private static string? CheckTarget(string? target)
    {
        if (string.IsNullOrEmpty(target))
        {
            return "A target is an alias (\"production\") or a version number (\"3\").";
        }

        if (RegistryNames.TryParseVersion(target, out _))
        {
            return null;
        }

        try
        {
            RegistryNames.ValidateAlias(target);
            return null;
        }
        catch (ArgumentException)
        {
            return $"'{target}' is neither a version number (\"3\") nor an alias (lowercase letters, digits and '-', starting with a letter).";
        }
    }
}
