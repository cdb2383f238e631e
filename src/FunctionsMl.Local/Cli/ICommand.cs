namespace FunctionsMl.Local.Cli;

/// <summary>One CLI verb.</summary>
public interface ICommand
{
    string Name { get; }

    /// <summary>One line for the usage text, e.g. <c>train &lt;model-dir&gt; [--json]</c>.</summary>
    string Usage { get; }

    string Summary { get; }

    /// <returns>The process exit code.</returns>
    Task<int> RunAsync(CommandLine commandLine, TextWriter output, CancellationToken cancellationToken);
}
