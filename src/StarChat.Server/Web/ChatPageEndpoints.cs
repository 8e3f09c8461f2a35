using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace StarChat.Server.Web;

/// <summary>
/// The web chat page: <c>GET /</c> serves <c>index.html</c> and <c>/assets/NAME</c> its script and style sheet, all
/// embedded in this assembly (no files to deploy, no build step, nothing fetched from elsewhere).
/// </summary>
public static class ChatPageEndpoints
{
    private static readonly Dictionary<string, string> s_types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>Maps <c>/</c> and <c>/assets/{name}</c>.</summary>
    public static IEndpointRouteBuilder MapChatPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => Asset(http, "index.html"));
        app.MapGet("/assets/{name}", (HttpContext http, string name) => Asset(http, name));
        return app;
    }

    private static Results<FileContentHttpResult, NotFound> Asset(HttpContext http, string name)
    {
        if (Load(name) is not { } bytes || !s_types.TryGetValue(Path.GetExtension(name), out var type))
            return TypedResults.NotFound();
        // The page talks only to this server: no framing by other sites, no scripts from elsewhere.
        http.Response.Headers.XFrameOptions = "DENY";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(bytes, type);
    }

    private static byte[]? Load(string name)
    {
        using var stream = typeof(ChatPageEndpoints).Assembly.GetManifestResourceStream("StarChat.Server.wwwroot." + name);
        if (stream is null) return null;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
