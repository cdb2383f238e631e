namespace FunctionsMl.Serving.Prediction;

/// <summary>Input a model cannot score, with every field at fault (JSON-pointer-like paths such as <c>instances[2].sepal_length</c>).</summary>
public sealed class PredictionInputException(string message, IReadOnlyDictionary<string, string[]> errors) : Exception(message)
{
    public PredictionInputException(string field, string message)
        : this(message, new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
