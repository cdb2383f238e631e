using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.LightGbm;

/// <summary>A LightGBM text model served natively. The model file keeps the original text, re-read on load.</summary>
internal sealed class LightGbmPredictor : ForestPredictor
{
    private const int FormatVersion = 1;

    private LightGbmPredictor(LightGbmTextModel model, byte[] source)
        : base(model.Task, model.Forest, new double[model.Forest.TargetCount], model.Output, model.Scale, model.Divisor)
    {
        Model = model;
        Source = source;
    }

    public override string Kind => "lightgbm";

    public LightGbmTextModel Model { get; }

    public byte[] Source { get; }

    public static LightGbmPredictor Create(byte[] source) => new(LightGbmTextModel.Parse(source), source);

    public override void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FormatVersion);
        writer.Write(Source.Length);
        writer.Write(Source);
    }

    public static LightGbmPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"The stored LightGBM model has format version {version}; this engine reads version {FormatVersion}.");
        }

        var source = SourceBytes.Read(reader);
        try
        {
            return Create(source);
        }
        catch (ModelImportException ex)
        {
            throw new InvalidDataException($"The stored LightGBM model no longer imports: {ex.Message}", ex);
        }
    }
}
