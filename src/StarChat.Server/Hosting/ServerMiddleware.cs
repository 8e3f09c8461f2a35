using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using StarChat.Server.Metrics;

namespace StarChat.Server.Hosting;

/// <summary>The cross-cutting steps every request goes through: metrics, API key, body size.</summary>
internal static class ServerMiddleware
{
    /// <summary>Counts every answered request by route pattern (unknown paths as "other", so labels stay few) and status.</summary>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app, ServerMetrics metrics)
        => app.Use(async (http, next) =>
        {
            try
            {
                await next(http).ConfigureAwait(false);
            }
            finally
            {
                string endpoint = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern
                    ? (pattern.StartsWith('/') ? pattern : "/" + pattern)
                    : "other";
                // A client that went away mid-stream is counted as 499 (nginx's "client closed request").
                int status = http.RequestAborted.IsCancellationRequested && http.Response.HasStarted ? 499 : http.Response.StatusCode;
                metrics.RecordRequest(endpoint, status);
            }
        });

    /// <summary>
    /// With an API key set, requests need <c>Authorization: Bearer KEY</c>, except the chat page, its assets and
    /// <c>/health</c> (load balancers probe it), and CORS preflights.
    /// </summary>
    public static IApplicationBuilder UseApiKey(this IApplicationBuilder app, string? apiKey)
    {
        if (apiKey is null) return app;
        byte[] expected = Encoding.UTF8.GetBytes(apiKey);
        return app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            bool open = HttpMethods.IsOptions(http.Request.Method)
                || (HttpMethods.IsGet(http.Request.Method) && (path == "/" || path == "/health" || path.StartsWithSegments("/assets", StringComparison.Ordinal)));
            string header = http.Request.Headers.Authorization.ToString();
            bool authorized = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), expected);
            if (open || authorized)
            {
                await next(http).ConfigureAwait(false);
                return;
            }
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await ApiFlavor.WriteErrorAsync(http, new RequestError(401, header.Length == 0
                ? "missing API key: send Authorization: Bearer KEY"
                : "invalid API key")).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// A declared body over the limit is refused before any of it is read (with <c>Expect: 100-continue</c> the client
    /// never sends it); a chunked body is cut off by Kestrel's own limit while it is read.
    /// </summary>
    public static IApplicationBuilder UseBodyLimit(this IApplicationBuilder app, long maxBytes)
        => app.Use(async (http, next) =>
        {
            if (http.Request.ContentLength is { } length && length > maxBytes)
            {
                // The unread body would be drained before the connection is reused; close it instead.
                http.Response.Headers.Connection = "close";
                await ApiFlavor.WriteErrorAsync(http, new RequestError(413, $"the request body has {length} bytes; the server accepts at most {maxBytes}")).ConfigureAwait(false);
                return;
            }
            await next(http).ConfigureAwait(false);
        });
}
