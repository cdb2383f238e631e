namespace FunctionsMl.Engine.Featurization;

/// <summary>Checks on stored featurization data, so a damaged model fails on load with a clear reason.</summary>
internal static class ModelData
{
    public static void Check(bool condition, string input, string what)
    {
        if (!condition)
        {
            throw new InvalidDataException($"The stored featurization is not valid: input '{input}' has {what}.");
        }
    }

    public static void CheckShare(double share, string input) =>
        Check(share is >= 0 and <= 1, input, $"a training share of {share}, outside 0 to 1");
}
