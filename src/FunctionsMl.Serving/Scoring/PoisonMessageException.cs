namespace FunctionsMl.Serving.Scoring;

/// <summary>
/// A message that no retry can help: malformed JSON, a missing or wrong <c>id</c>, <c>model</c> or <c>instances</c>,
/// or a model that does not exist. It is set aside in the poison queue at once, with <see cref="Exception.Message"/>
/// as the reason, instead of being retried.
/// </summary>
public sealed class PoisonMessageException(string reason, Exception? innerException = null) : Exception(reason, innerException);
