using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace StarChat.Server.Hosting;

/// <summary>
/// Reads a request body as JSON. Malformed JSON is a 400 naming where it broke; a body over the size limit is a 413
/// (Kestrel stops reading at the limit, so a huge body never reaches memory).
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Value, RequestError? Error)> ReadAsync<T>(HttpContext context) where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, ServerJson.TypeInfo<T>(), context.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, new RequestError(400, "the request body must be a JSON object")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, new RequestError(400, $"malformed JSON in the request body: {e.Message}", e.Path));
        }
        catch (BadHttpRequestException e)
        {
            return (null, new RequestError(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"the request body is larger than the server's limit of {context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes"
                : e.Message));
        }
    }
}
