namespace FunctionsMl.Engine.Trainers.Gbdt.Training;

/// <summary>Draws subsets without replacement, already in ascending order.</summary>
internal static class RowSampler
{
    /// <summary>
    /// Fills <paramref name="selected"/> with distinct indices of [0, <paramref name="population"/>), ascending,
    /// each subset equally likely (Knuth's selection sampling: one pass, no sort).
    /// </summary>
    public static void SelectSorted(int population, Span<int> selected, ref SplitMix64 random)
    {
        var needed = selected.Length;
        var filled = 0;
        for (var i = 0; i < population && filled < needed; i++)
        {
            if ((population - i) * random.NextDouble() < needed - filled)
            {
                selected[filled++] = i;
            }
        }
    }

    /// <summary>How many of <paramref name="population"/> a share keeps: at least one.</summary>
    public static int CountOf(int population, double share) =>
        Math.Clamp((int)Math.Round(population * share, MidpointRounding.AwayFromZero), 1, population);
}
