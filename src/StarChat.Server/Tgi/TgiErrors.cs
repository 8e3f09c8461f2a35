using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using StarChat.Server.Hosting;

namespace StarChat.Server.Tgi;

/// <summary>Errors in TGI's shape. Validation failures are 422, as TGI's router answers them.</summary>
internal static class TgiErrors
{
    public static JsonHttpResult<TgiError> Result(RequestError error)
    {
        // TGI answers a request it understood but will not run with 422; malformed JSON stays 400.
        int status = error.Validation ? 422 : error.Status;
        return TypedResults.Json(Body(error with { Status = status }), ServerJson.TypeInfo<TgiError>(), statusCode: status);
    }

    public static TgiError Body(RequestError error) => new(error.Message, error.Status switch
    {
        400 or 413 or 422 => "validation",
        401 => "authentication",
        429 => "overloaded",
        503 => "unhealthy",
        _ => "generation",
    });
}
