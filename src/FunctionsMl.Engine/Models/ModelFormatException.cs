namespace FunctionsMl.Engine.Models;

/// <summary>A model file that is not one, is of a format this build cannot read, or is truncated or tampered with.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string message)
        : base(message)
    {
    }

    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
