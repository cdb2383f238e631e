using FunctionsMl.Engine.Interop.Trees;

namespace FunctionsMl.Engine.Interop.XGBoost;

/// <summary>An XGBoost categorical split's set: the value truncated to an integer is a member when listed; negative or non-integral-range values never are.</summary>
internal sealed class CategorySet(int[] categories) : MemberSet
{
    private readonly HashSet<int> _categories = [.. categories];

    public override bool Contains(double value) =>
        value >= 0 && value < int.MaxValue && _categories.Contains((int)value);
}
