using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Retraining;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Local.Retraining;

/// <summary>
/// The local host's starter: publishes the model's folder (<c>models/&lt;name&gt;/</c>, definition and data) into the store
/// before each run it starts, over HTTP or on schedule, so an edited <c>model.json</c> or a new data file takes effect at
/// the next run without a restart. Only changed files are written. In Azure the deployment hook does this publishing.
/// </summary>
/// <remarks>
/// A folder that does not publish (an invalid definition, say) is logged and the run goes on with what the store holds,
/// as on start-up: a typo in a definition should not stop the model's schedule, and the run record names the definition it used.
/// </remarks>
public sealed class PublishingRetrainingStarter(
    RetrainingService retraining,
    DefinitionPublisher publisher,
    IOptions<FunctionsMlOptions> options,
    ILogger<PublishingRetrainingStarter> logger) : IRetrainingStarter
{
    public async Task<RetrainStart> StartAsync(string model, RunTrigger trigger, CancellationToken cancellationToken = default)
    {
        string folder = Path.Combine(Path.GetFullPath(options.Value.ModelsPath), model);
        if (File.Exists(Path.Combine(folder, DefinitionPaths.DefinitionFileName)) && !Path.GetFileName(folder).StartsWith('.'))
        {
            try
            {
                await publisher.PublishAsync(folder, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LocalRetrainingLog.PublishFailed(logger, folder, e.Message);
            }
        }

        return await retraining.StartAsync(model, trigger, cancellationToken);
    }
}
