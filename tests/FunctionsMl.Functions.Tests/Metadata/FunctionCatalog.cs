using System.Collections;
using System.Reflection;
using FunctionsMl.Functions.Http;

namespace FunctionsMl.Functions.Tests.Metadata;

/// <summary>How a binding attribute takes part in a function, as the Functions SDK classifies it by base type.</summary>
public enum BindingRole
{
    Trigger,
    Input,
    Output,
}

/// <summary>
/// One binding of a function as the Functions SDK reads it from the attribute: its kind (<c>HttpTrigger</c>,
/// <c>BlobTrigger</c>, <c>QueueOutput</c>...), the parameter it sits on and every public property of the attribute
/// (enums as their names, arrays as string arrays).
/// </summary>
public sealed record BindingDeclaration(string Kind, BindingRole Role, string? ParameterName, IReadOnlyDictionary<string, object?> Properties)
{
    public string? Text(string property) => Properties.GetValueOrDefault(property) as string;

    public IReadOnlyList<string> Texts(string property) => Properties.GetValueOrDefault(property) as IReadOnlyList<string> ?? [];
}

/// <param name="Method">Class and method, for messages.</param>
/// <param name="Parameters">Every parameter of the method: name and type.</param>
/// <param name="Target">The method itself; null for declarations made up in tests.</param>
public sealed record FunctionDeclaration(
    string Name,
    string Method,
    IReadOnlyList<BindingDeclaration> Bindings,
    IReadOnlyList<(string Name, Type Type)> Parameters,
    MethodInfo? Target = null)
{
    public IEnumerable<BindingDeclaration> Triggers => Bindings.Where(b => b.Role == BindingRole.Trigger);

    public BindingDeclaration? Trigger => Triggers.SingleOrDefault();
}

/// <summary>
/// Reads the functions of an assembly the way the Functions SDK's metadata generator does: methods with
/// <c>[Function]</c>, bindings found by their attributes' base types. Works by type names, so it reads any
/// binding (including ones declared after this was written) with no reference to its attribute.
/// </summary>
public static class FunctionCatalog
{
    private const string FunctionAttribute = "Microsoft.Azure.Functions.Worker.FunctionAttribute";
    private const string AbstractionsNamespace = "Microsoft.Azure.Functions.Worker.Extensions.Abstractions.";

    /// <summary>The functions of the app (the compile check's build of src/FunctionsMl.Functions).</summary>
    public static IReadOnlyList<FunctionDeclaration> App { get; } = Read(typeof(PredictionFunctions).Assembly);

    public static IReadOnlyList<FunctionDeclaration> Read(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        return assembly.GetTypes()
            .SelectMany(type => type.GetMethods(declared))
            .Select(method => (Method: method, Function: method.GetCustomAttributes().SingleOrDefault(a => a.GetType().FullName == FunctionAttribute)))
            .Where(m => m.Function is not null)
            .Select(m => new FunctionDeclaration(
                (string)m.Function!.GetType().GetProperty("Name")!.GetValue(m.Function)!,
                $"{m.Method.DeclaringType!.Name}.{m.Method.Name}",
                Bindings(m.Method),
                m.Method.GetParameters().Select(p => (p.Name!, p.ParameterType)).ToList(),
                m.Method))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static List<BindingDeclaration> Bindings(MethodInfo method)
    {
        var bindings = new List<BindingDeclaration>();
        foreach (var parameter in method.GetParameters())
        {
            bindings.AddRange(parameter.GetCustomAttributes().Select(a => Binding(a, parameter.Name)).OfType<BindingDeclaration>());
        }

        bindings.AddRange(method.GetCustomAttributes().Select(a => Binding(a, null)).OfType<BindingDeclaration>());
        bindings.AddRange(method.ReturnParameter.GetCustomAttributes().Select(a => Binding(a, "$return")).OfType<BindingDeclaration>());

        // A returned POCO carries output bindings on its properties (Task<T> unwrapped), as the SDK reads them.
        var returned = method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
            ? method.ReturnType.GetGenericArguments()[0]
            : method.ReturnType;
        if (returned.IsClass && returned != typeof(string) && returned.Namespace?.StartsWith("FunctionsMl.", StringComparison.Ordinal) == true)
        {
            foreach (var property in returned.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                bindings.AddRange(property.GetCustomAttributes().Select(a => Binding(a, property.Name)).OfType<BindingDeclaration>());
            }
        }

        return bindings;
    }

    private static BindingDeclaration? Binding(Attribute attribute, string? parameterName)
    {
        BindingRole? role = null;
        for (var type = attribute.GetType().BaseType; type is not null && role is null; type = type.BaseType)
        {
            role = type.FullName switch
            {
                AbstractionsNamespace + "TriggerBindingAttribute" => BindingRole.Trigger,
                AbstractionsNamespace + "InputBindingAttribute" => BindingRole.Input,
                AbstractionsNamespace + "OutputBindingAttribute" => BindingRole.Output,
                _ => null,
            };
        }

        if (role is null)
        {
            return null;
        }

        var properties = attribute.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != nameof(Attribute.TypeId) && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, p => Normalize(p.GetValue(attribute)), StringComparer.Ordinal);
        var kind = attribute.GetType().Name;
        return new BindingDeclaration(kind.EndsWith("Attribute", StringComparison.Ordinal) ? kind[..^"Attribute".Length] : kind, role.Value, parameterName, properties);
    }

    private static object? Normalize(object? value) => value switch
    {
        Enum e => e.ToString(),
        string s => s,
        IEnumerable items => items.Cast<object?>().Select(i => i?.ToString() ?? string.Empty).ToList(),
        _ => value,
    };
}
