using FunctionsMl.Serving.Monitoring;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Traffic;
using Microsoft.AspNetCore.Http;

namespace FunctionsMl.Serving.Http;

/// <summary><c>GET /api/models/{name}/stats</c>: this instance's recent serving of a model, per version.</summary>
public sealed class StatsHandler(ModelMonitor monitor, TrafficPolicyCache policies, ModelRegistry registry)
{
    public async Task<IResult> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            RegistryNames.ValidateModel(name, "name");
            var stats = monitor.GetStats(name, (await policies.GetAsync(name, cancellationToken).ConfigureAwait(false)).Policy);
            if (stats.Versions.Count == 0 && (await registry.GetAliasesAsync(name, cancellationToken).ConfigureAwait(false)).Aliases.Count == 0
                && (await registry.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false)).Count == 0)
            {
                policies.Forget(name);
                return ApiProblems.NotFound($"There is no model '{name}'.");
            }

            return Results.Ok(stats);
        }
        catch (ArgumentException ex)
        {
            return ApiProblems.BadRequest("name", ex.Message);
        }
    }
}
