namespace FunctionsMl.Engine.Data;

/// <summary>
/// The rules for single values, shared by loading, training and prediction so that every path reads a value the
/// same way. A value is first trimmed of white space. It is missing when it is then empty or one of
/// <see cref="MissingTokens"/> (case-insensitive). It is a number when it parses as an invariant-culture
/// <see cref="double"/> (sign, decimal point, exponent; no thousands separators) whose <see cref="float"/> value is
/// finite.
/// </summary>
public static class DataValues
{
    /// <summary>Texts that mean "no value" besides the empty string, compared case-insensitively.</summary>
    public static IReadOnlyList<string> MissingTokens { get; } = ["NA", "N/A", "NaN", "null"];

    public static bool IsMissing(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        return value.Length switch
        {
            0 => true,
            2 => value.Equals("NA", StringComparison.OrdinalIgnoreCase),
            3 => value.Equals("N/A", StringComparison.OrdinalIgnoreCase) || value.Equals("NaN", StringComparison.OrdinalIgnoreCase),
            4 => value.Equals("null", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    /// <summary>Parses a finite number; false for missing values and for anything else that is not a number.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> value, out float number) =>
        ClassifyNumber(value, out number) == NumberClass.Number;

    /// <summary>Reads a value meant to be numeric: a number, a missing value (<paramref name="number"/> is NaN), or neither.</summary>
    internal static NumberClass ClassifyNumber(ReadOnlySpan<char> value, out float number)
    {
        value = value.Trim();
        if (value.IsEmpty)
        {
            number = float.NaN;
            return NumberClass.Missing;
        }

        if (NumberParser.TryParse(value, out var parsed))
        {
            number = (float)parsed;
            if (float.IsFinite(number))
            {
                return NumberClass.Number;
            }
        }

        number = float.NaN;
        return IsMissing(value) ? NumberClass.Missing : NumberClass.Invalid;
    }

    /// <summary>Shortens a value for an error message.</summary>
    internal static string Quote(ReadOnlySpan<char> value)
    {
        const int MaxLength = 60;
        return value.Length <= MaxLength ? $"\"{value}\"" : $"\"{value[..MaxLength]}...\" ({value.Length} characters)";
    }
}

internal enum NumberClass
{
    Number,
    Missing,
    Invalid,
}
