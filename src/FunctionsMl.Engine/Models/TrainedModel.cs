using System.Text;
using FunctionsMl.Engine.Featurization;
using FunctionsMl.Engine.Trainers.Gbdt;
using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Models;

/// <summary>
/// A model version ready to predict: the featurization it was trained with, its predictor and its manifest.
/// Immutable and safe to share across threads.
/// </summary>
public sealed class TrainedModel
{
    private const int PayloadVersion = 1;

    public TrainedModel(ModelManifest manifest, FeaturePipeline pipeline, IPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(predictor);
        if (pipeline.OutputLength != predictor.FeatureCount)
        {
            throw new ArgumentException($"The featurization produces {pipeline.OutputLength} features but the predictor expects {predictor.FeatureCount}.", nameof(predictor));
        }

        Manifest = manifest;
        Pipeline = pipeline;
        Predictor = predictor;
    }

    public ModelManifest Manifest { get; }

    public FeaturePipeline Pipeline { get; }

    public IPredictor Predictor { get; }

    public ModelTask Task => Manifest.Task;

    /// <summary>Length of the featurized row the predictor takes.</summary>
    public int FeatureCount => Predictor.FeatureCount;

    /// <summary>Values per prediction: one per class, or one for regression.</summary>
    public int OutputCount => Predictor.OutputCount;

    /// <summary>Serialises the model into a sealed model file.</summary>
    public byte[] ToModelFile()
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(PayloadVersion);
            Pipeline.Write(writer);
            writer.Write(Predictor.Kind);
            Predictor.Write(writer);
        }

        return ModelFile.Write(Manifest.ToJsonBytes(), payload.GetBuffer().AsSpan(0, (int)payload.Length));
    }

    /// <summary>Loads a model file, refusing it whole if anything about it is wrong.</summary>
    /// <exception cref="ModelFormatException">Not a model file, an unknown format, truncated, tampered or inconsistent.</exception>
    public static TrainedModel Load(ReadOnlyMemory<byte> file)
    {
        var content = ModelFile.Read(file);
        try
        {
            var manifest = ModelManifest.FromJson(content.Manifest.Span);
            using var reader = new BinaryReader(new MemoryStream(content.Payload.ToArray(), writable: false), Encoding.UTF8);
            var payloadVersion = reader.ReadInt32();
            if (payloadVersion != PayloadVersion)
            {
                throw new ModelFormatException($"The model payload has version {payloadVersion}; this build reads version {PayloadVersion}.");
            }

            var pipeline = FeaturePipeline.Read(reader);
            IPredictor predictor = reader.ReadString() switch
            {
                "gbdt" => GbdtModel.Read(reader),
                "linear" => LinearModel.Read(reader),
                "onnx" => Interop.Onnx.OnnxPredictor.Read(reader),
                "xgboost" => Interop.XGBoost.XGBoostPredictor.Read(reader),
                "lightgbm" => Interop.LightGbm.LightGbmPredictor.Read(reader),
                var kind => throw new ModelFormatException($"The model file holds a predictor of unknown kind '{kind}'."),
            };

            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new ModelFormatException("The model payload has unexpected trailing bytes.");
            }

            return new TrainedModel(manifest, pipeline, predictor);
        }
        catch (Exception ex) when (ex is not ModelFormatException and (EndOfStreamException or InvalidDataException or System.Text.Json.JsonException or ArgumentException or NotSupportedException or FormatException or IOException))
        {
            // The hash matched, so this is a file written by a buggy or foreign writer: refuse it the same way.
            throw new ModelFormatException($"The model file is inconsistent: {ex.Message}", ex);
        }
    }
}
