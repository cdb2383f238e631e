using FunctionsMl.Serving.Definitions;
using FunctionsMl.Serving.Hosting;
using FunctionsMl.Serving.Prediction;
using FunctionsMl.Serving.Registry;
using FunctionsMl.Serving.Retraining;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Local.Retraining;

/// <summary>
/// What the local host does once it is up: publish every model folder into the store, record runs that a
/// previous process left unfinished as interrupted, and train every model that has no production version yet
/// (unless <c>--no-train</c>), one model at a time, with progress in the log.
/// </summary>
/// <remarks>
/// It works in the background, so Kestrel serves at once: a model without a version answers 503 "not ready"
/// until its first run promotes one, and then serves it without a restart.
/// </remarks>
public sealed class RetrainingBootstrapService(
    DefinitionPublisher publisher,
    DefinitionStore definitions,
    RetrainingService retraining,
    ModelRegistry registry,
    IOptions<FunctionsMlOptions> options,
    LocalRetrainingOptions localOptions,
    ILogger<RetrainingBootstrapService> logger) : BackgroundService
{
    private readonly TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the model folders are in the store and interrupted runs recorded (or that failed): the scheduler starts from there.</summary>
    public Task Published => _published.Task;

    /// <summary>Completes when publishing, recovery and the start-up training are done.</summary>
    public Task Completion => _completion.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting; everything here may take a while.
        await Task.Yield();
        try
        {
            await PublishAsync(stoppingToken);
            IReadOnlyList<string> models = await definitions.ListNamesAsync(stoppingToken);
            foreach (string model in models)
            {
                await retraining.RecoverInterruptedRunsAsync(model, stoppingToken);
            }

            _published.TrySetResult();

            if (localOptions.TrainOnStart)
            {
                await TrainModelsWithoutVersionAsync(models, stoppingToken);
            }
            else
            {
                LocalRetrainingLog.StartupTrainingSkipped(logger);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LocalRetrainingLog.BootstrapFailed(logger, e);
        }
        finally
        {
            _published.TrySetResult();
            _completion.TrySetResult();
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        string modelsPath = Path.GetFullPath(options.Value.ModelsPath);
        if (!Directory.Exists(modelsPath))
        {
            LocalRetrainingLog.NoModelsFolder(logger, modelsPath);
            return;
        }

        foreach (DefinitionPublishResult result in await publisher.PublishAllAsync(modelsPath, cancellationToken))
        {
            if (result.Error is { } error)
            {
                LocalRetrainingLog.PublishFailed(logger, result.Directory, error.Message);
            }
        }
    }

    private async Task TrainModelsWithoutVersionAsync(IReadOnlyList<string> models, CancellationToken cancellationToken)
    {
        foreach (string model in models)
        {
            if ((await registry.GetAliasesAsync(model, cancellationToken)).VersionOf(IModelResolver.ProductionAlias) is not null)
            {
                continue;
            }

            LocalRetrainingLog.TrainingOnStartup(logger, model);
            try
            {
                // One at a time: training uses every core, and the first model served sooner beats all served later.
                RetrainingRun run = await retraining.RunAsync(model, RunTrigger.Startup, progress: null, cancellationToken);
                LocalRetrainingLog.StartupRunEnded(logger, model, run.Id, run.Status, run.Reason ?? run.Error ?? string.Empty);
            }
            catch (RetrainingAlreadyRunningException e)
            {
                LocalRetrainingLog.StartupRunSkipped(logger, model, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LocalRetrainingLog.StartupRunSkipped(logger, model, e.Message);
            }
        }
    }
}
