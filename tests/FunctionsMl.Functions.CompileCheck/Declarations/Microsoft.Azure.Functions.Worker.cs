// Declarations of the Functions worker API that src/FunctionsMl.Functions uses (see README.md).
// Sources, Azure/azure-functions-dotnet-worker:
//   extensions/Worker.Extensions.Abstractions/src/FunctionAttribute.cs                 tag abstractions-extension-1.3.0
//   extensions/Worker.Extensions.Http/src/{AuthorizationLevel,HttpTriggerAttribute}.cs  tag http-extension-3.3.0
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

[AttributeUsage(AttributeTargets.Method)]
public class FunctionAttribute : Attribute
{
    public FunctionAttribute(string name)
    {
        Name = name;
    }

    public string Name { get; }
}

public enum AuthorizationLevel
{
    Anonymous = 0,
    User = 1,
    Function = 2,
    System = 3,
    Admin = 4,
}

public sealed class HttpTriggerAttribute : TriggerBindingAttribute
{
    public HttpTriggerAttribute()
    {
        AuthLevel = AuthorizationLevel.Function;
    }

    public HttpTriggerAttribute(params string[] methods)
    {
        Methods = methods;
    }

    public HttpTriggerAttribute(AuthorizationLevel authLevel)
    {
        AuthLevel = authLevel;
    }

    public HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods)
    {
        AuthLevel = authLevel;
        Methods = methods;
    }

    public string? Route { get; set; }

    public string[]? Methods { get; private set; }

    public AuthorizationLevel AuthLevel { get; private set; }
}
