using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.XGBoost;

/// <summary>An XGBoost JSON model served natively. The model file keeps the original JSON, re-read on load.</summary>
internal sealed class XGBoostPredictor : ForestPredictor
{
    private const int FormatVersion = 1;

    private XGBoostPredictor(XGBoostJsonModel model, byte[] source)
        : base(model.Task, model.Forest, model.BaseMargins, model.Output, 1.0, 1.0)
    {
        Model = model;
        Source = source;
    }

    public override string Kind => "xgboost";

    public XGBoostJsonModel Model { get; }

    /// <summary>The original JSON file.</summary>
    public byte[] Source { get; }

    public static XGBoostPredictor Create(byte[] source) => new(XGBoostJsonModel.Parse(source), source);

    public override void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        writer.Write(Source.Length);
        writer.Write(Source);
    }

    public static XGBoostPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"The stored XGBoost model has format version {version}; this engine reads version {FormatVersion}.");
        }

        var source = SourceBytes.Read(reader);
        try
        {
            return Create(source);
        }
        catch (ModelImportException ex)
        {
            throw new InvalidDataException($"The stored XGBoost model no longer imports: {ex.Message}", ex);
        }
    }
}
