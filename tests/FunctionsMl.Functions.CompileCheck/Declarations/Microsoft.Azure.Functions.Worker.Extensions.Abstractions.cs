// Declarations of the Functions worker API that src/FunctionsMl.Functions uses (see README.md): binding base types.
// Source: Azure/azure-functions-dotnet-worker extensions/Worker.Extensions.Abstractions/src/{BindingAttribute,
// TriggerBindingAttribute,InputBindingAttribute,OutputBindingAttribute}.cs, tag abstractions-extension-1.3.0.
namespace Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

[AttributeUsage(AttributeTargets.Method)]
public abstract class BindingAttribute : Attribute
{
}

[AttributeUsage(AttributeTargets.Parameter)]
public abstract class TriggerBindingAttribute : BindingAttribute
{
}

[AttributeUsage(AttributeTargets.Parameter)]
public abstract class InputBindingAttribute : BindingAttribute
{
}

[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property)]
public abstract class OutputBindingAttribute : BindingAttribute
{
}
