using FunctionsMl.Serving.Storage;

namespace FunctionsMl.Serving.Registry;

/// <summary>
/// Rules for the names that become parts of storage paths. Every public registry method checks its
/// arguments with these, so no caller can reach outside <c>models/&lt;name&gt;/</c>.
/// </summary>
public static class RegistryNames
{
    /// <summary>Longest model name or alias.</summary>
    public const int MaxNameLength = 63;

    /// <summary>
    /// A model name: 1 to 63 of <c>a-z 0-9 -</c>, starting with a letter or digit (a DNS label, so it also
    /// works as a route segment, queue name part and blob path segment).
    /// </summary>
    /// <exception cref="ArgumentException">The name breaks the rule; the message says which part.</exception>
    public static void ValidateModel(string model, string paramName = "model")
    {
        ArgumentNullException.ThrowIfNull(model, paramName);
        if (CheckName(model, firstMustBeLetter: false) is { } problem)
        {
            throw new ArgumentException($"Invalid model name '{model}': {problem}.", paramName);
        }

        if (ObjectPath.IsWindowsDeviceName(model))
        {
            throw new ArgumentException($"Invalid model name '{model}': it is a reserved device name on Windows.", paramName);
        }
    }

    /// <summary>
    /// An alias (<c>production</c>, <c>staging</c>): 1 to 63 of <c>a-z 0-9 -</c>, starting with a letter,
    /// so that an alias can never be mistaken for a version number.
    /// </summary>
    /// <exception cref="ArgumentException">The alias breaks the rule.</exception>
    public static void ValidateAlias(string alias, string paramName = "alias")
    {
        ArgumentNullException.ThrowIfNull(alias, paramName);
        if (CheckName(alias, firstMustBeLetter: true) is { } problem)
        {
            throw new ArgumentException($"Invalid alias '{alias}': {problem}.", paramName);
        }
    }

    /// <summary>A version: a positive integer in decimal without leading zeros, "1", "2", ...</summary>
    /// <exception cref="ArgumentException">The version is not of that form.</exception>
    public static long ValidateVersion(string version, string paramName = "version")
    {
        ArgumentNullException.ThrowIfNull(version, paramName);
        if (!TryParseVersion(version, out long number))
        {
            throw new ArgumentException($"Invalid version '{version}': versions are positive integers without leading zeros, such as \"1\" or \"12\".", paramName);
        }

        return number;
    }

    /// <summary>Whether <paramref name="text"/> is a version number (as opposed to an alias).</summary>
    public static bool TryParseVersion(string? text, out long version)
    {
        version = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 18 || text[0] is < '1' or > '9')
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            version = (version * 10) + (c - '0');
        }

        return true;
    }

    private static string? CheckName(string name, bool firstMustBeLetter)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            return $"use 1 to {MaxNameLength} characters";
        }

        if (firstMustBeLetter ? name[0] is < 'a' or > 'z' : !IsLowerLetterOrDigit(name[0]))
        {
            return firstMustBeLetter ? "it must start with a lowercase letter" : "it must start with a lowercase letter or digit";
        }

        foreach (char c in name)
        {
            if (!IsLowerLetterOrDigit(c) && c != '-')
            {
                return $"'{c}' is not allowed; use lowercase letters, digits and '-'";
            }
        }

        return null;
    }

    private static bool IsLowerLetterOrDigit(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
}
