namespace FunctionsMl.Serving.Prediction;

/// <summary>The model exists but has nothing to serve yet: no version behind the alias, or its version could not be loaded.</summary>
public sealed class ModelNotReadyException(string message, Exception? innerException = null) : Exception(message, innerException);
