namespace FunctionsMl.Serving.Storage;

/// <summary>
/// The rules every object path obeys, so that the same path is valid, and means the same object, as a
/// file under the local store's root and as a blob in Azure.
/// </summary>
/// <remarks>
/// A path is <c>container/segment/.../segment</c>:
/// the container follows the blob container rules (3 to 63 of <c>a-z 0-9 -</c>, starting and ending
/// with a letter or digit, no <c>--</c>); every other segment is 1 to <see cref="MaxSegmentLength"/> of
/// <c>A-Z a-z 0-9 . _ -</c>, neither starting nor ending with a dot (so no <c>.</c>, <c>..</c> or hidden
/// names, which the file-system store keeps for its own temporary and lock files, and no name that
/// Windows would silently trim), and not a Windows device name (<c>con</c>, <c>nul</c>, <c>com1</c>...).
/// No leading, trailing or doubled slash, no backslash, at most <see cref="MaxLength"/> characters.
/// Paths are case-sensitive, as blobs are; on a case-insensitive file system two paths that differ only
/// in case name the same file, so producers should keep to lower case.
/// </remarks>
public static class ObjectPath
{
    public const int MaxLength = 1024;
    public const int MaxSegmentLength = 200;

    private static readonly HashSet<string> WindowsDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "con", "prn", "aux", "nul",
        "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
        "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    };

    /// <summary>Whether <paramref name="path"/> is a valid object path.</summary>
    public static bool IsValid(string? path) => path is not null && Check(path, isPrefix: false) is null;

    /// <summary>Throws unless <paramref name="path"/> is a valid object path.</summary>
    /// <exception cref="ArgumentException">The path breaks a rule; the message names the rule and the segment.</exception>
    public static void Validate(string path, string paramName = "path")
    {
        ArgumentNullException.ThrowIfNull(path, paramName);
        if (Check(path, isPrefix: false) is { } problem)
        {
            throw new ArgumentException($"Invalid object path '{path}': {problem}.", paramName);
        }
    }

    /// <summary>
    /// Throws unless <paramref name="prefix"/> is a valid listing prefix: a valid container and a slash,
    /// then complete valid segments each followed by a slash, then optionally the start of a segment.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix breaks a rule.</exception>
    public static void ValidatePrefix(string prefix, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (Check(prefix, isPrefix: true) is { } problem)
        {
            throw new ArgumentException($"Invalid listing prefix '{prefix}': {problem}.", paramName);
        }
    }

    private static string? Check(string path, bool isPrefix)
    {
        if (path.Length == 0)
        {
            return "it is empty";
        }

        if (path.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        if (path.Contains('\\', StringComparison.Ordinal))
        {
            return "it contains a backslash; use '/' between segments";
        }

        if (path[0] == '/')
        {
            return "it starts with '/'; paths are relative to the store, 'container/path'";
        }

        string[] segments = path.Split('/');
        if (!isPrefix && segments.Length < 2)
        {
            return "it has no path after the container; expected 'container/path'";
        }

        if (isPrefix && segments.Length < 2)
        {
            return "it must start with a container and a slash, e.g. 'models/'";
        }

        if (CheckContainer(segments[0]) is { } containerProblem)
        {
            return containerProblem;
        }

        for (int i = 1; i < segments.Length; i++)
        {
            bool isLast = i == segments.Length - 1;
            string segment = segments[i];

            // A prefix may end with a slash (empty last segment) or with a partial segment.
            if (isPrefix && isLast)
            {
                if (segment.Length > 0 && CheckCharacters(segment) is { } partialProblem)
                {
                    return partialProblem;
                }

                continue;
            }

            if (CheckSegment(segment) is { } segmentProblem)
            {
                return segmentProblem;
            }
        }

        return null;
    }

    private static string? CheckContainer(string container)
    {
        if (container.Length is < 3 or > 63)
        {
            return $"the container '{container}' must be 3 to 63 characters long";
        }

        foreach (char c in container)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"the container '{container}' may only contain a-z, 0-9 and '-'";
            }
        }

        if (container[0] == '-' || container[^1] == '-' || container.Contains("--", StringComparison.Ordinal))
        {
            return $"the container '{container}' must start and end with a letter or digit and not contain '--'";
        }

        return null;
    }

    private static string? CheckSegment(string segment)
    {
        if (segment.Length == 0)
        {
            return "it has an empty segment ('//' or a trailing '/')";
        }

        if (segment is "." or "..")
        {
            return $"the segment '{segment}' is a relative reference; path traversal is not allowed";
        }

        if (segment.Length > MaxSegmentLength)
        {
            return $"the segment '{segment[..20]}...' is longer than {MaxSegmentLength} characters";
        }

        if (CheckCharacters(segment) is { } problem)
        {
            return problem;
        }

        if (segment[0] == '.' || segment[^1] == '.')
        {
            return $"the segment '{segment}' starts or ends with '.'";
        }

        if (IsWindowsDeviceName(segment))
        {
            return $"the segment '{segment}' is a reserved device name on Windows";
        }

        return null;
    }

    /// <summary>Whether Windows treats <paramref name="segment"/> as a device (<c>nul</c>, <c>com1.txt</c>, ...). Allocates nothing.</summary>
    internal static bool IsWindowsDeviceName(string segment)
    {
        int dot = segment.IndexOf('.', StringComparison.Ordinal);
        ReadOnlySpan<char> stem = dot < 0 ? segment : segment.AsSpan(0, dot);
        return stem.Length is 3 or 4 && WindowsDeviceNames.GetAlternateLookup<ReadOnlySpan<char>>().Contains(stem);
    }

    private static string? CheckCharacters(string segment)
    {
        foreach (char c in segment)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-'))
            {
                return $"the segment '{segment}' contains '{c}'; allowed are A-Z, a-z, 0-9, '.', '_' and '-'";
            }
        }

        return null;
    }
}
