using System.Text.Json;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsMl.Serving.Traffic;

/// <summary>Which version serves a request and under which policy.</summary>
/// <param name="Policy">The policy the request was routed by; null for a pinned call.</param>
/// <param name="FellBack">The policy's target could not serve, so production did.</param>
public readonly record struct RouteDecision(ServedModel Served, CompiledTrafficPolicy? Policy, bool FellBack);

/// <summary>
/// Picks the version that serves an unpinned request by the model's traffic policy. The routing key is the
/// <c>x-routing-key</c> header, else the policy's routing field in the (first) row, else the request id, so a
/// request without a key lands on a split target at random but reproducibly for its id. A pinned call bypasses
/// the policy.
/// </summary>
public sealed class TrafficRouter
{
    private readonly IModelResolver _resolver;
    private readonly TrafficPolicyCache _policies;
    private readonly ILogger _logger;
    private long _fallbacks;

    public TrafficRouter(IModelResolver resolver, TrafficPolicyCache policies, ILogger<TrafficRouter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(policies);
        _resolver = resolver;
        _policies = policies;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Requests served by production because their policy target could not serve, since start.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    /// <param name="pinnedVersion">A version (or alias) named in the route; bypasses the policy.</param>
    /// <param name="requestId">The request's id: the routing key of last resort, and what shadows sample by.</param>
    /// <param name="routingKey">The <c>x-routing-key</c> header; null or empty when absent.</param>
    /// <param name="firstRow">The request's (first) row, for the policy's routing field; default when there are no rows yet.</param>
    /// <exception cref="ModelNotFoundException">No such model, version or alias.</exception>
    /// <exception cref="ModelNotReadyException">Nothing can serve the model yet.</exception>
    /// <exception cref="ArgumentException">The name or version is not well formed.</exception>
    public async ValueTask<RouteDecision> RouteAsync(string model, string? pinnedVersion, string requestId, string? routingKey, JsonElement firstRow, CancellationToken cancellationToken = default)
    {
        if (pinnedVersion is not null)
        {
            return new RouteDecision(await _resolver.ResolveAsync(model, pinnedVersion, cancellationToken).ConfigureAwait(false), null, false);
        }

        var policy = await _policies.GetAsync(model, cancellationToken).ConfigureAwait(false);
        if (policy.Policy is null)
        {
            try
            {
                return new RouteDecision(await _resolver.ResolveAsync(model, null, cancellationToken).ConfigureAwait(false), policy, false);
            }
            catch (ModelNotFoundException) when (policy.ETag is null)
            {
                _policies.Forget(model);
                throw;
            }
        }

        var target = policy.SingleTarget ?? policy.TargetOf(BucketOf(policy, requestId, routingKey, firstRow));
        try
        {
            return new RouteDecision(await _resolver.ResolveAsync(model, target, cancellationToken).ConfigureAwait(false), policy, false);
        }
        catch (Exception e) when (e is ModelNotFoundException or ModelNotReadyException && target != IModelResolver.ProductionAlias)
        {
            // An alias removed or a version deleted after the policy was set: keep answering from production.
            if (IsPowerOfTwo(Interlocked.Increment(ref _fallbacks)))
            {
                TrafficLog.FellBackToProduction(_logger, model, target, e.Message);
            }

            return new RouteDecision(await _resolver.ResolveAsync(model, null, cancellationToken).ConfigureAwait(false), policy, true);
        }
    }

    /// <summary>The split bucket (0–99) a request falls in, by the key rules of this class.</summary>
    public static int BucketOf(CompiledTrafficPolicy policy, string requestId, string? routingKey, JsonElement firstRow)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!string.IsNullOrEmpty(routingKey))
        {
            return policy.BucketOf(routingKey.AsSpan());
        }

        if (firstRow.ValueKind == JsonValueKind.Object && policy.TryBucketOfField(firstRow, out var bucket))
        {
            return bucket;
        }

        return policy.BucketOf(requestId.AsSpan());
    }

    private static bool IsPowerOfTwo(long n) => (n & (n - 1)) == 0;
}
