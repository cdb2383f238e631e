namespace FunctionsMl.Engine.Interop;

/// <summary>
/// An external model file (ONNX, XGBoost, LightGBM) that cannot be served: malformed, or using an operator, attribute
/// value, objective or type this engine does not implement. Raised at import, never at prediction; the message names
/// the part of the file at fault.
/// </summary>
public sealed class ModelImportException : Exception
{
    public ModelImportException(string message)
        : base(message)
    {
    }

    public ModelImportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
