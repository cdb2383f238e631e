namespace FunctionsMl.Engine.Interop.XGBoost;

/// <summary>
/// XGBoost writes non-finite numbers as bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>, which JSON does not
/// allow. Outside strings, NaN becomes <c>null</c> (read back as NaN) and the infinities become ±double.MaxValue.
/// </summary>
internal static class NonFiniteLiterals
{
    public static byte[] Replace(ReadOnlySpan<byte> json)
    {
        var output = new List<byte>(json.Length + 16);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                output.Add(b);
                if (b == (byte)'\\' && i + 1 < json.Length)
                {
                    output.Add(json[++i]);
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            if (b == (byte)'"')
            {
                inString = true;
                output.Add(b);
            }
            else if (json[i..].StartsWith("NaN"u8))
            {
                output.AddRange("null"u8);
                i += 2;
            }
            else if (json[i..].StartsWith("-Infinity"u8))
            {
                output.AddRange("-1.7976931348623157E308"u8);
                i += 8;
            }
            else if (json[i..].StartsWith("Infinity"u8))
            {
                output.AddRange("1.7976931348623157E308"u8);
                i += 7;
            }
            else
            {
                output.Add(b);
            }
        }

        return [.. output];
    }
}
