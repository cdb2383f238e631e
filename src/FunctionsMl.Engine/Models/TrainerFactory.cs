using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FunctionsMl.Engine.Trainers.Gbdt;
using FunctionsMl.Engine.Trainers.Linear;
using FunctionsMl.Engine.Training;

namespace FunctionsMl.Engine.Models;

/// <summary>Builds the trainer a definition names, binding its options strictly so a misspelt option is an error, not a silent default.</summary>
public static class TrainerFactory
{
    private static readonly JsonSerializerOptions OptionsJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Creates the trainer and returns the effective options (defaults filled in) for the manifest.</summary>
    /// <exception cref="ModelDefinitionException">An unknown or invalid option; names it.</exception>
    public static (ITrainer Trainer, JsonElement EffectiveOptions) Create(TrainerDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.Type switch
        {
            "gbdt" => Bind<GbdtOptions>(definition, o => o.Validate(), o => new GbdtTrainer(o)),
            "linear" => Bind<LinearOptions>(definition, o => o.Validate(), o => new LinearTrainer(o)),
            var other => throw new ModelDefinitionException("trainer.type", $"'{other}' is not a trainer; expected gbdt or linear"),
        };
    }

    private static (ITrainer, JsonElement) Bind<TOptions>(TrainerDefinition definition, Action<TOptions> validate, Func<TOptions, ITrainer> create)
        where TOptions : class
    {
        var fields = JsonNode.Parse(definition.Options.GetRawText())!.AsObject();
        fields.Remove("type");
        TOptions options;
        try
        {
            options = fields.Deserialize<TOptions>(OptionsJson)!;
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? "trainer." + path[2..] : "trainer";
            throw new ModelDefinitionException(field, $"is not a valid {definition.Type} option ({FirstSentence(ex.Message)})");
        }

        try
        {
            validate(options);
        }
        catch (ArgumentException ex)
        {
            var name = ex.ParamName is { Length: > 0 } param ? char.ToLowerInvariant(param[0]) + param[1..] : null;
            throw new ModelDefinitionException(name is null ? "trainer" : $"trainer.{name}", ex.Message);
        }

        return (create(options), JsonSerializer.SerializeToElement(options, OptionsJson));
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
