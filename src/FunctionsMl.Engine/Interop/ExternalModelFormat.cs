namespace FunctionsMl.Engine.Interop;

/// <summary>File formats of models trained elsewhere that FunctionsMl serves natively.</summary>
public enum ExternalModelFormat
{
    /// <summary>ONNX (ai.onnx.ml and core operators), a protobuf <c>ModelProto</c>.</summary>
    Onnx,

    /// <summary>XGBoost JSON, from <c>save_model("model.json")</c>.</summary>
    XGBoost,

    /// <summary>LightGBM text, from <c>save_model("model.txt")</c>.</summary>
    LightGbm,
}

public static class ExternalModelFormats
{
    /// <summary>The format's name as the API, CLI and manifests spell it: onnx, xgboost, lightgbm.</summary>
    public static string Name(this ExternalModelFormat format) => format switch
    {
        ExternalModelFormat.Onnx => "onnx",
        ExternalModelFormat.XGBoost => "xgboost",
        _ => "lightgbm",
    };

    public static bool TryParse(string? text, out ExternalModelFormat format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "onnx":
                format = ExternalModelFormat.Onnx;
                return true;
            case "xgboost" or "xgb":
                format = ExternalModelFormat.XGBoost;
                return true;
            case "lightgbm" or "lgbm" or "lgb":
                format = ExternalModelFormat.LightGbm;
                return true;
            default:
                format = default;
                return false;
        }
    }

    /// <summary>Tells the format from the content: JSON is XGBoost, text starting with a <c>tree</c> line is LightGBM, protobuf is ONNX.</summary>
    /// <exception cref="ModelImportException">The content looks like none of them.</exception>
    public static ExternalModelFormat Detect(ReadOnlySpan<byte> file)
    {
        var start = file;
        if (start.StartsWith("\uFEFF"u8))
        {
            start = start[3..];
        }

        start = start.TrimStart(" \t\r\n"u8);
        if (start.StartsWith("{"u8))
        {
            return ExternalModelFormat.XGBoost;
        }

        if (start.StartsWith("tree\n"u8) || start.StartsWith("tree\r\n"u8))
        {
            return ExternalModelFormat.LightGbm;
        }

        // An ONNX ModelProto starts with the tag of one of its fields, written in field order: ir_version (1) in
        // practice, else producer_name (2), producer_version (3), domain (4), model_version (5), doc_string (6),
        // graph (7), opset_import (8) or metadata_props (14).
        if (file.Length > 2 && file[0] is 0x08 or 0x12 or 0x1a or 0x22 or 0x28 or 0x32 or 0x3a or 0x42 or 0x72)
        {
            return ExternalModelFormat.Onnx;
        }

        throw new ModelImportException(
            "Cannot tell the model's format from its content; give the format (onnx, xgboost or lightgbm). " +
            "XGBoost models must be saved as JSON (save_model(\"model.json\")), LightGBM models as text (save_model(\"model.txt\")).");
    }
}
