namespace FunctionsMl.Local.Cli;

/// <summary>
/// The parsed command line: a verb, its positional arguments and its <c>--options</c>.
/// Written by hand because the verbs are few and System.CommandLine is not part of the platform.
/// </summary>
public sealed class CommandLine
{
    /// <summary>Options that take no value.</summary>
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "json", "help", "no-train", "follow", "bench-endpoints" };

    private readonly Dictionary<string, string> _options;

    private CommandLine(string verb, IReadOnlyList<string> positionals, Dictionary<string, string> options)
    {
        Verb = verb;
        Positionals = positionals;
        _options = options;
    }

    /// <summary>The verb; <c>serve</c> when the command line starts with an option or is empty.</summary>
    public string Verb { get; }

    public IReadOnlyList<string> Positionals { get; }

    public IReadOnlyDictionary<string, string> Options => _options;

    /// <exception cref="CommandLineException">An option lacks its value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                positionals.Add(arg);
                continue;
            }

            var name = arg[2..];
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                options[name[..equals]] = name[(equals + 1)..];
            }
            else if (Flags.Contains(name))
            {
                options[name] = "true";
            }
            else if (i + 1 < args.Count)
            {
                options[name] = args[++i];
            }
            else
            {
                throw new CommandLineException($"--{name} needs a value.");
            }
        }

        var verb = positionals.Count > 0 ? positionals[0] : "serve";
        return new CommandLine(verb, positionals.Count > 0 ? positionals.Skip(1).ToArray() : [], options);
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _options.ContainsKey(name);

    /// <exception cref="CommandLineException">The positional argument is missing.</exception>
    public string Positional(int index, string name) =>
        index < Positionals.Count ? Positionals[index] : throw new CommandLineException($"'{Verb}' needs <{name}>.");

    /// <summary>Options as host configuration: <c>--store</c>, <c>--models</c>, <c>--api-key</c>, <c>--urls</c>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToConfiguration()
    {
        if (Option("store") is { } store)
        {
            yield return new("FunctionsMl:StorePath", store);
        }

        if (Option("models") is { } models)
        {
            yield return new("FunctionsMl:ModelsPath", models);
        }

        if (Option("api-key") is { } apiKey)
        {
            yield return new("FunctionsMl:ApiKey", apiKey);
        }

        if (Option("urls") is { } urls)
        {
            yield return new("urls", urls);
        }
    }
}

/// <summary>A command line that cannot be run; the message says why and is shown with the usage.</summary>
public sealed class CommandLineException(string message) : Exception(message);
