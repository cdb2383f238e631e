namespace FunctionsMl.Local.Cli;

/// <summary>Every verb of the CLI, in the order the usage lists them.</summary>
internal static class Commands
{
    public static IReadOnlyList<ICommand> All { get; } =
    [
        new ServeCommand(),
        new TrainCommand(), new RetrainCommand(),
        new PredictCommand(),
        new ModelsCommand(),
        new RegisterCommand(),
        new KeyCommand(),
        new ScoreCommand(), new EnqueueCommand(), new ResultsCommand(),
    ];
}
