using System.Globalization;

namespace FunctionsMl.Engine.Data;

/// <summary>
/// Invariant-culture number parsing, correctly rounded like <see cref="double.Parse(string, IFormatProvider)"/>.
/// Plain decimals ("12", "-3.25", "1e-3") take a fast path that is exact by construction (Clinger: a mantissa of at
/// most 2^53 times or divided by an exactly representable power of ten is one correctly rounded operation); anything
/// else goes to the framework parser, so both paths give the same double for the same text.
/// </summary>
internal static class NumberParser
{
    private const ulong MaxExactMantissa = 1UL << 53;
    private const int MaxFastDigits = 19;

    private static readonly double[] ExactPowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>Parses text (already trimmed of white space) with <see cref="NumberStyles.Float"/> rules.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value) =>
        TryParseFast(text, out value)
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static bool TryParseFast(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            negative = text[i] == '-';
            i++;
        }

        ulong mantissa = 0;
        var significantDigits = 0;
        var exponent = 0;
        var anyDigit = false;
        for (; i < text.Length; i++)
        {
            var digit = (uint)(text[i] - '0');
            if (digit > 9)
            {
                break;
            }

            if (!Accumulate(ref mantissa, ref significantDigits, digit))
            {
                return false;
            }

            anyDigit = true;
        }

        if (i < text.Length && text[i] == '.')
        {
            for (i++; i < text.Length; i++)
            {
                var digit = (uint)(text[i] - '0');
                if (digit > 9)
                {
                    break;
                }

                if (!Accumulate(ref mantissa, ref significantDigits, digit))
                {
                    return false;
                }

                exponent--;
                anyDigit = true;
            }
        }

        if (!anyDigit)
        {
            return false;
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            var exponentNegative = false;
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                exponentNegative = text[i] == '-';
                i++;
            }

            var start = i;
            var written = 0;
            for (; i < text.Length && i - start < 4; i++)
            {
                var digit = (uint)(text[i] - '0');
                if (digit > 9)
                {
                    break;
                }

                written = (written * 10) + (int)digit;
            }

            if (i == start)
            {
                return false;
            }

            exponent += exponentNegative ? -written : written;
        }

        if (i != text.Length || mantissa > MaxExactMantissa)
        {
            return false;
        }

        double result = mantissa;
        if (mantissa != 0)
        {
            if (exponent > 0)
            {
                if (exponent >= ExactPowersOfTen.Length)
                {
                    return false;
                }

                result *= ExactPowersOfTen[exponent];
            }
            else if (exponent < 0)
            {
                if (-exponent >= ExactPowersOfTen.Length)
                {
                    return false;
                }

                result /= ExactPowersOfTen[-exponent];
            }
        }

        value = negative ? -result : result;
        return true;
    }

    private static bool Accumulate(ref ulong mantissa, ref int significantDigits, uint digit)
    {
        if (mantissa == 0 && digit == 0)
        {
            return true;
        }

        if (++significantDigits > MaxFastDigits)
        {
            return false;
        }

        mantissa = (mantissa * 10) + digit;
        return true;
    }
}
