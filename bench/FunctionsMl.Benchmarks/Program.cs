using BenchmarkDotNet.Running;
using FunctionsMl.Benchmarks;

// Console modes that are not BenchmarkDotNet runs come first; anything else goes to the switcher.
if (args.Length > 0 && args[0] == "gbdt-train")
{
    return GbdtTrainCommand.Run(args[1..]);
}

if (args.Length > 0 && args[0] == LinearTrainCommand.Name)
{
    return LinearTrainCommand.Run(args);
}

if (args.Length > 0 && args[0] == SampleQualityCommand.Name)
{
    return SampleQualityCommand.Run(args);
}

if (args.Length > 0 && args[0] == "score-file")
{
    return await ScoringFileCommand.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
