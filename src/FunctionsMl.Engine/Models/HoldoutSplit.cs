namespace FunctionsMl.Engine.Models;

/// <summary>
/// A seeded split of rows into training and holdout. Classification splits are stratified so every class
/// keeps its share in both parts, which matters on small data sets such as iris.
/// </summary>
public sealed record HoldoutSplit(int[] TrainRows, int[] HoldoutRows)
{
    /// <param name="rowCount">Rows to split.</param>
    /// <param name="holdoutFraction">Share of rows held out, in (0, 1).</param>
    /// <param name="seed">Seed; the same inputs always give the same split.</param>
    /// <param name="strata">Class index per row for a stratified split, or null.</param>
    public static HoldoutSplit Create(int rowCount, double holdoutFraction, int seed, IReadOnlyList<int>? strata = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 2);
        if (holdoutFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "The holdout fraction must be in (0, 1).");
        }

        var random = new Random(seed);
        var groups = strata is null
            ? [Enumerable.Range(0, rowCount).ToArray()]
            : Enumerable.Range(0, rowCount).GroupBy(row => strata[row]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();

        var train = new List<int>(rowCount);
        var holdout = new List<int>((int)(rowCount * holdoutFraction) + groups.Length);
        foreach (var group in groups)
        {
            random.Shuffle(group);
            // Every group with two or more rows keeps at least one on each side.
            var take = group.Length < 2 ? 0 : Math.Clamp((int)Math.Round(group.Length * holdoutFraction), 1, group.Length - 1);
            holdout.AddRange(group.AsSpan(0, take));
            train.AddRange(group.AsSpan(take));
        }

        var trainRows = train.ToArray();
        var holdoutRows = holdout.ToArray();
        if (holdoutRows.Length == 0)
        {
            throw new ArgumentException($"{rowCount} rows are too few to hold out {holdoutFraction:P0} of them.", nameof(rowCount));
        }

        Array.Sort(trainRows);
        Array.Sort(holdoutRows);
        return new HoldoutSplit(trainRows, holdoutRows);
    }
}
