using System.Buffers;
using System.Text;

namespace FunctionsMl.Serving.Scoring;

/// <summary>RFC 4180 field quoting for what scoring writes.</summary>
internal static class CsvText
{
    private static readonly SearchValues<char> Special = SearchValues.Create(",\"\r\n");

    public static bool NeedsQuotes(ReadOnlySpan<char> value) => value.ContainsAny(Special);

    /// <summary>The field as it must appear in a CSV line: as is, or enclosed in quotes with each quote doubled.</summary>
    public static string Field(ReadOnlySpan<char> value)
    {
        if (!NeedsQuotes(value))
        {
            return value.ToString();
        }

        var builder = new StringBuilder(value.Length + 2);
        AppendQuoted(builder, value);
        return builder.ToString();
    }

    public static void AppendField(StringBuilder builder, ReadOnlySpan<char> value)
    {
        if (NeedsQuotes(value))
        {
            AppendQuoted(builder, value);
        }
        else
        {
            builder.Append(value);
        }
    }

    private static void AppendQuoted(StringBuilder builder, ReadOnlySpan<char> value)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            builder.Append(c);
            if (c == '"')
            {
                builder.Append('"');
            }
        }

        builder.Append('"');
    }
}
