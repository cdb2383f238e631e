using FunctionsMl.Engine.Models;
using NCrontab;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// A model's retraining schedule: a six-field NCRONTAB expression (<c>second minute hour day month
/// day-of-week</c>) read in UTC, parsed by NCrontab as the Functions timer trigger parses it, so a schedule
/// fires at the same instants in both hosts.
/// </summary>
public sealed class ModelSchedule
{
    private readonly CrontabSchedule _schedule;

    private ModelSchedule(string model, string expression, CrontabSchedule schedule)
    {
        Model = model;
        Expression = expression;
        _schedule = schedule;
    }

    public string Model { get; }

    public string Expression { get; }

    /// <summary>Parses a definition's <c>schedule</c>; <see langword="null"/> when it has none.</summary>
    /// <exception cref="ModelDefinitionException">The expression is not a valid six-field NCRONTAB expression; names the model and the field.</exception>
    public static ModelSchedule? For(ModelDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.Schedule is { } expression ? Parse(definition.Name, expression) : null;
    }

    /// <exception cref="ModelDefinitionException">The expression is not a valid six-field NCRONTAB expression.</exception>
    public static ModelSchedule Parse(string model, string expression)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(expression);
        int fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields != 6)
        {
            throw Invalid(model, expression, $"it has {fields} field(s)");
        }

        try
        {
            return new ModelSchedule(model, expression, CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true }));
        }
        catch (CrontabException e)
        {
            throw Invalid(model, expression, e.Message);
        }
    }

    /// <summary>The first instant strictly after <paramref name="afterUtc"/> at which the schedule fires.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset afterUtc) =>
        new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(afterUtc.UtcDateTime), DateTimeKind.Utc));

    private static ModelDefinitionException Invalid(string model, string expression, string problem) =>
        new("schedule", $"model '{model}': '{expression}' is not a six-field NCRONTAB expression (second minute hour day month day-of-week, UTC, e.g. \"0 0 2 * * *\" for 02:00 daily): {problem}");
}
