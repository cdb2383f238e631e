using Onnx;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>
/// A node's attributes, read by name with their declared types checked. Every attribute read (or explicitly
/// ignored) is marked; the compiler refuses a node that has an attribute its kernel never looked at, so an attribute
/// this engine does not understand cannot silently change a model's meaning.
/// </summary>
internal sealed class NodeAttributes
{
    private readonly Dictionary<string, AttributeProto> _attributes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly Func<string, ModelImportException> _error;

    public NodeAttributes(IEnumerable<AttributeProto> attributes, Func<string, ModelImportException> error)
    {
        _error = error;
        foreach (var attribute in attributes)
        {
            if (attribute.HasRefAttrName)
            {
                throw error($"attribute '{attribute.Name}' refers to a function attribute; functions are not supported.");
            }

            if (!_attributes.TryAdd(attribute.Name, attribute))
            {
                throw error($"attribute '{attribute.Name}' is given twice.");
            }
        }
    }

    public bool Has(string name) => _attributes.ContainsKey(name);

    /// <summary>Marks attributes that do not change predictions (hit rates, documentation) as understood.</summary>
    public void Ignore(params string[] names) => _used.UnionWith(names);

    public IEnumerable<string> Unused => _attributes.Keys.Where(name => !_used.Contains(name));

    public float Float(string name, float fallback) => Get(name, AttributeType.Float) is { } a ? a.F : fallback;

    public long Int(string name, long fallback) => Get(name, AttributeType.Int) is { } a ? a.I : fallback;

    public string String(string name, string fallback) => Get(name, AttributeType.String) is { } a ? TensorData.Utf8(a.S) : fallback;

    public float[]? Floats(string name) => Get(name, AttributeType.Floats)?.Floats.ToArray();

    public long[]? Ints(string name) => Get(name, AttributeType.Ints)?.Ints.ToArray();

    public string[]? Strings(string name) => Get(name, AttributeType.Strings)?.Strings.Select(TensorData.Utf8).ToArray();

    public TensorData? Tensor(string name) => Get(name, AttributeType.Tensor) is { } a ? TensorData.Read(a.T, $"attribute '{name}'") : null;

    /// <summary>A list attribute, or its <c>_as_tensor</c> double-precision twin, as doubles; null if neither is set.</summary>
    public double[]? FloatsOrTensor(string name)
    {
        var floats = Floats(name);
        var tensor = Tensor(name + "_as_tensor");
        if (floats is not null && tensor is not null)
        {
            throw _error($"both '{name}' and '{name}_as_tensor' are set; only one may be.");
        }

        return tensor?.AsDoubles() ?? floats?.Select(f => (double)f).ToArray();
    }

    /// <summary>Checks that an integer attribute is one of the listed values.</summary>
    public long IntIn(string name, long fallback, params long[] allowed)
    {
        var value = Int(name, fallback);
        return allowed.Contains(value) ? value : throw _error($"attribute {name} = {value} is not supported; supported values are {string.Join(", ", allowed)}.");
    }

    public string StringIn(string name, string fallback, params string[] allowed)
    {
        var value = String(name, fallback);
        return allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw _error($"attribute {name} = '{value}' is not supported; supported values are {string.Join(", ", allowed)}.");
    }

    private AttributeProto? Get(string name, AttributeType type)
    {
        if (!_attributes.TryGetValue(name, out var attribute))
        {
            return null;
        }

        _used.Add(name);
        if (attribute.Type != type && !(attribute.Type == AttributeType.Undefined && Inferable(attribute, type)))
        {
            throw _error($"attribute '{name}' is a {attribute.Type.ToString().ToUpperInvariant()}; {type.ToString().ToUpperInvariant()} is expected.");
        }

        return attribute;
    }

    /// <summary>Very old files leave the type unset; accept them when the expected field is the one that is filled.</summary>
    private static bool Inferable(AttributeProto attribute, AttributeType type) => type switch
    {
        AttributeType.Floats => attribute.Floats.Count > 0,
        AttributeType.Ints => attribute.Ints.Count > 0,
        AttributeType.Strings => attribute.Strings.Count > 0,
        AttributeType.Float => attribute.HasF,
        AttributeType.Int => attribute.HasI,
        AttributeType.String => attribute.HasS,
        AttributeType.Tensor => attribute.T is not null,
        _ => false,
    };
}
