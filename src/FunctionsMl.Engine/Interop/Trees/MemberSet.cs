namespace FunctionsMl.Engine.Interop.Trees;

/// <summary>The categories of a set-membership split.</summary>
internal abstract class MemberSet
{
    public abstract bool Contains(double value);
}

/// <summary>
/// LightGBM's categorical split: the value truncated to an integer, looked up in a bitset of 32-bit words.
/// Negative values are never members (LightGBM sends them right).
/// </summary>
internal sealed class BitsetMemberSet(uint[] words) : MemberSet
{
    public override bool Contains(double value)
    {
        if (!(value >= 0) || value >= (double)words.Length * 32)
        {
            return false;
        }

        var category = (int)value;
        return (words[category >> 5] & (1u << (category & 31))) != 0;
    }
}

/// <summary>ONNX TreeEnsemble's MEMBER split: exact equality with one of the listed values.</summary>
internal sealed class ValueMemberSet(double[] values) : MemberSet
{
    private readonly HashSet<double> _values = [.. values];

    public override bool Contains(double value) => _values.Contains(value);
}
