using Microsoft.AspNetCore.Http;
using StarChat.Server.OpenAi;
using StarChat.Server.Tgi;

namespace StarChat.Server.Hosting;

/// <summary>Which API a path belongs to, so errors raised before routing (auth, size) use that API's shape.</summary>
internal static class ApiFlavor
{
    public static bool IsOpenAi(PathString path) => path.StartsWithSegments("/v1", StringComparison.Ordinal);

    public static Task WriteErrorAsync(HttpContext http, RequestError error)
    {
        http.Response.StatusCode = error.Status;
        return IsOpenAi(http.Request.Path)
            ? http.Response.WriteAsJsonAsync(OpenAiErrors.Body(error), ServerJson.TypeInfo<OpenAiError>())
            : http.Response.WriteAsJsonAsync(TgiErrors.Body(error), ServerJson.TypeInfo<TgiError>());
    }
}
