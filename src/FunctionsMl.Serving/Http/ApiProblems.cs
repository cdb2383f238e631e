using Microsoft.AspNetCore.Http;

namespace FunctionsMl.Serving.Http;

/// <summary>RFC 7807 problem details for the native API, each naming the field at fault where there is one.</summary>
public static class ApiProblems
{
    /// <summary>400 with the offending fields in <c>errors</c> (field path → messages).</summary>
    public static IResult BadRequest(string detail, IReadOnlyDictionary<string, string[]> errors) =>
        Results.Problem(new ValidationProblem(detail, errors).ToProblemDetails());

    /// <summary>400 naming one field.</summary>
    public static IResult BadRequest(string field, string detail) =>
        BadRequest(detail, new Dictionary<string, string[]> { [field] = [detail] });

    public static IResult NotFound(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static IResult Conflict(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static IResult NotReady(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: detail);

    public static IResult Unauthorized(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    private sealed record ValidationProblem(string Detail, IReadOnlyDictionary<string, string[]> Errors)
    {
        public Microsoft.AspNetCore.Mvc.ProblemDetails ToProblemDetails()
        {
            var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is invalid",
                Detail = Detail,
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            };
            problem.Extensions["errors"] = Errors;
            return problem;
        }
    }
}
