namespace FunctionsMl.Serving.Prediction;

/// <summary>The model, or the version or alias asked for, does not exist.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

/// <summary>The model exists but has nothing to serve yet (no version behind the alias, or its version failed to load).</summary>
public sealed class ModelNotReadyException(string message, Exception? innerException = null) : Exception(message, innerException);
