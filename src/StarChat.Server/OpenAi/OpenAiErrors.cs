using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using StarChat.Server.Hosting;

namespace StarChat.Server.OpenAi;

/// <summary>Errors in OpenAI's shape, with the status codes OpenAI clients act on.</summary>
internal static class OpenAiErrors
{
    public static JsonHttpResult<OpenAiError> Result(RequestError error)
        => TypedResults.Json(Body(error), ServerJson.TypeInfo<OpenAiError>(), statusCode: error.Status);

    public static OpenAiError Body(RequestError error)
        => new(new OpenAiErrorBody(error.Message, Type(error.Status), error.Param, error.Code ?? (object?)CodeFor(error.Status)));

    private static string Type(int status) => status switch
    {
        400 or 404 or 413 => "invalid_request_error",
        401 => "authentication_error",
        429 => "rate_limit_error",
        503 => "unavailable_error",
        _ => "server_error",
    };

    private static string? CodeFor(int status) => status switch
    {
        401 => "invalid_api_key",
        413 => "request_too_large",
        429 => "server_busy",
        503 => "model_loading",
        _ => null,
    };
}
