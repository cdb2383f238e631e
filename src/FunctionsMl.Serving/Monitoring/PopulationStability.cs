namespace FunctionsMl.Serving.Monitoring;

/// <summary>
/// The population stability index: how far a distribution over fixed bins (serving) moved from a reference
/// one (training). <c>PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)</c> over the bins, with eᵢ the expected and aᵢ the actual
/// share of bin i. 0 means identical; by convention below 0.1 is stable, 0.1–0.2 a moderate shift and 0.2
/// or more a significant one.
/// </summary>
public static class PopulationStability
{
    /// <summary>
    /// Shares below this count as this much, so that a bin empty on one side adds a large but finite term
    /// instead of an infinite one: an empty serving bin whose training share is e adds (e − 1e-4)·ln(e / 1e-4).
    /// </summary>
    public const double MinShare = 1e-4;

    /// <summary>The PSI between two share vectors over the same bins.</summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static double Index(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new ArgumentException($"The expected shares have {expected.Length} bins and the actual ones {actual.Length}; PSI compares the same bins.", nameof(actual));
        }

        double psi = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var e = Math.Max(expected[i], MinShare);
            var a = Math.Max(actual[i], MinShare);
            psi += (a - e) * Math.Log(a / e);
        }

        return psi;
    }

    /// <summary>The PSI of observed counts against expected shares; 0 when nothing was observed.</summary>
    public static double Index(ReadOnlySpan<double> expected, ReadOnlySpan<long> actualCounts)
    {
        long total = 0;
        foreach (var count in actualCounts)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        Span<double> actual = actualCounts.Length <= 256 ? stackalloc double[actualCounts.Length] : new double[actualCounts.Length];
        for (var i = 0; i < actualCounts.Length; i++)
        {
            actual[i] = (double)actualCounts[i] / total;
        }

        return Index(expected, actual);
    }
}
