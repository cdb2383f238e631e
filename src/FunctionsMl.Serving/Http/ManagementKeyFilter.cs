using System.Security.Cryptography;
using System.Text;
using FunctionsMl.Serving.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsMl.Serving.Http;

/// <summary>
/// Requires the API key in the <c>x-functions-key</c> header, as Azure Functions does for function-level
/// keys, so clients call both hosts the same way. In Azure the platform checks the key before the code runs.
/// </summary>
public sealed class ManagementKeyFilter(IOptions<FunctionsMlOptions> options) : IEndpointFilter
{
    public const string HeaderName = "x-functions-key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        HasValidKey(context.HttpContext.Request, options.Value.ApiKey)
            ? next(context)
            : ValueTask.FromResult<object?>(ApiProblems.Unauthorized($"This call needs the API key in the '{HeaderName}' header."));

    /// <summary>Compares in constant time so the key cannot be guessed byte by byte from response times.</summary>
    public static bool HasValidKey(HttpRequest request, string? expectedKey)
    {
        if (string.IsNullOrEmpty(expectedKey))
        {
            return false;
        }

        var given = request.Headers[HeaderName].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expectedKey));
    }
}

public static class ManagementKeyEndpointExtensions
{
    /// <summary>Marks endpoints as management calls that need the API key.</summary>
    public static TBuilder RequireManagementKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ManagementKeyFilter>();
}
