using System.Globalization;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Engine.Models;

/// <summary>Reads a label column the same way at training and evaluation time.</summary>
internal static class LabelValues
{
    /// <summary>The label of a row as class text, or null when missing.</summary>
    public static string? ClassAt(DataColumn column, int row)
    {
        if (column.Numbers is { } numbers)
        {
            var value = numbers[row];
            return float.IsNaN(value) ? null : value.ToString(CultureInfo.InvariantCulture);
        }

        return column.Strings![row];
    }

    /// <summary>The label of a row as a number (regression), or NaN when missing.</summary>
    public static float ValueAt(DataColumn column, int row) =>
        column.Numbers is { } numbers
            ? numbers[row]
            : throw new ModelDefinitionException("label", $"column '{column.Name}' is {column.Kind.ToString().ToLowerInvariant()}, but a regression label must be numeric");

    /// <summary>Distinct classes in a stable order: numeric order when every class is a number, else ordinal.</summary>
    public static string[] OrderClasses(IEnumerable<string> classes)
    {
        var distinct = classes.Distinct(StringComparer.Ordinal).ToArray();
        var allNumeric = distinct.All(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        return allNumeric
            ? [.. distinct.OrderBy(c => double.Parse(c, CultureInfo.InvariantCulture))]
            : [.. distinct.Order(StringComparer.Ordinal)];
    }
}
