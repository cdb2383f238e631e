using System.Globalization;
using System.Text.Json;
using FunctionsMl.Engine;
using FunctionsMl.Engine.Interop;
using FunctionsMl.Engine.Models;
using FunctionsMl.Serving.Http;
using FunctionsMl.Serving.Registry;

namespace FunctionsMl.Local.Cli;

/// <summary>Registers a model trained elsewhere (ONNX, XGBoost JSON, LightGBM text) as a model's next version.</summary>
internal sealed class RegisterCommand : ICommand
{
    public string Name => "register";

    public string Usage => "register <name> <file> [--format onnx|xgboost|lightgbm] [--task t] [--output o] [--labels a,b] [--json]";

    public string Summary => "register an external model file as a new version (promote it like any version)";

    public async Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken)
    {
        var name = commandLine.Positional(0, "name");
        var path = commandLine.Positional(1, "file");
        ExternalModelFormat? format = null;
        if (commandLine.Option("format") is { } formatText)
        {
            format = ExternalModelFormats.TryParse(formatText, out var parsed)
                ? parsed
                : throw new CommandLineException($"--format '{formatText}' is not a model format; use onnx, xgboost or lightgbm.");
        }

        ModelTask? task = null;
        if (commandLine.Option("task") is { } taskText)
        {
            task = Enum.TryParse<ModelTask>(taskText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(taskText, out _)
                ? parsed
                : throw new CommandLineException($"--task '{taskText}' is not a task; use binary, multiclass or regression.");
        }

        var options = new ExternalModelOptions
        {
            Task = task,
            Output = commandLine.Option("output"),
            ClassLabels = commandLine.Option("labels")?.Split(',').Select(l => l.Trim()).ToArray(),
            Label = commandLine.Option("label"),
        };
        var file = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        await using var services = LocalServices.Create(commandLine);
        var registrar = new ExternalModelRegistrar(services.GetRequiredService<ModelRegistry>(), services.GetRequiredService<TimeProvider>());
        ModelRegistration registration;
        try
        {
            registration = await registrar.RegisterAsync(name, file, format, options, $"cli ({Environment.UserName})", cancellationToken).ConfigureAwait(false);
        }
        catch (ModelImportException ex)
        {
            // Shown like every model file the engine cannot use: one line, exit code 2.
            throw new ModelFormatException($"{Path.GetFileName(path)} cannot be served: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new CommandLineException(ex.Message);
        }

        var registered = RegisteredVersion.From(registration);
        if (commandLine.Flag("json"))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(registered, ModelManifest.JsonOptions)).ConfigureAwait(false);
            return CommandLineApp.Success;
        }

        var inputs = string.Join(", ", registered.Inputs.Take(8).Select(i => i.Name)) + (registered.Inputs.Count > 8 ? ", ..." : string.Empty);
        var what = registration.Created ? "Registered" : "Already registered (identical file)";
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{what}: {name} v{registered.Version} from {registered.SourceFormat}, {registered.Task.ToString().ToLowerInvariant()}, {registered.Inputs.Count} input(s): {inputs}")).ConfigureAwait(false);
        if (registered.ClassLabels is { } labels)
        {
            await output.WriteLineAsync($"  classes: {string.Join(", ", labels)}").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"  promote it: PUT /api/models/{name}/aliases/production with {{\"version\": \"{registered.Version}\"}}").ConfigureAwait(false);
        return CommandLineApp.Success;
    }
}
