using System.Text.Json;
using FunctionsMl.Engine.Data;

namespace FunctionsMl.Serving.Retraining;

/// <summary>
/// Stages a holdout table as JSON lines and reads it back exactly, so that the champion is scored on the
/// very rows the candidate was, in another activity (and, under Durable Functions, maybe another machine).
/// </summary>
/// <remarks>
/// Staging the rows, rather than splitting the data again in the evaluation step, makes "the same holdout"
/// a fact rather than a re-derivation: the split stays the engine's business (<c>ModelBuilder</c>) and
/// cannot drift from a copy of its logic. Exactness: each float is written as the shortest text of the
/// double it widens to, which parses back to that double and narrows back to the same float; missing
/// values are JSON null; the column kinds are kept beside the rows and forced on reading.
/// </remarks>
internal static class HoldoutRows
{
    public static byte[] WriteRows(DataTable table)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            for (int row = 0; row < table.RowCount; row++)
            {
                writer.WriteStartObject();
                foreach (DataColumn column in table.Columns)
                {
                    writer.WritePropertyName(column.Name);
                    if (column.Numbers is { } numbers)
                    {
                        WriteNumber(writer, numbers[row]);
                    }
                    else if (column.Strings![row] is { } text && !DataValues.IsMissing(text))
                    {
                        writer.WriteStringValue(text);
                    }
                    else
                    {
                        writer.WriteNullValue();
                    }
                }

                writer.WriteEndObject();
                writer.Flush();
                buffer.WriteByte((byte)'\n');
                writer.Reset();
            }
        }

        return buffer.ToArray();
    }

    public static byte[] WriteColumns(DataTable table) =>
        JsonSerializer.SerializeToUtf8Bytes(table.Columns.ToDictionary(c => c.Name, c => c.Kind, StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, ColumnKind> ReadColumns(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<Dictionary<string, ColumnKind>>(json)
            ?? throw new InvalidDataException("The staged holdout's column kinds are empty.");

    public static DataTable ReadRows(Stream rows, IReadOnlyDictionary<string, ColumnKind> kinds) =>
        DataLoader.Read(rows, DataFormat.JsonLines, new DataLoadOptions { ColumnKinds = kinds });

    private static void WriteNumber(Utf8JsonWriter writer, float value)
    {
        if (float.IsNaN(value))
        {
            writer.WriteNullValue();
        }
        else if (float.IsInfinity(value))
        {
            writer.WriteStringValue(value > 0 ? "Infinity" : "-Infinity");
        }
        else
        {
            writer.WriteNumberValue((double)value);
        }
    }
}
