using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace StarChat.Evaluation.Tests;

/// <summary>
/// A local HTTP server on 127.0.0.1 whose routes are scripted by the test: each handler gets the parsed JSON body and
/// returns (status, JSON text). Every request is recorded for the test to inspect.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<(string Path, JsonNode? Body)> Requests { get; } = new();

    public delegate (int Status, string Json) Handler(JsonNode? body);

    public static async Task<ScriptedServer> StartAsync(IReadOnlyDictionary<string, Handler> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ScriptedServer? server = null;
        app.Run(async context =>
        {
            JsonNode? body = null;
            if (context.Request.ContentLength is > 0 || context.Request.Method == "POST")
            {
                using var reader = new StreamReader(context.Request.Body);
                string text = await reader.ReadToEndAsync();
                body = text.Length > 0 ? JsonNode.Parse(text) : null;
            }
            string path = context.Request.Path.Value ?? "";
            server!.Requests.Enqueue((path, body));
            if (!routes.TryGetValue(path, out var handler))
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("{\"error\":\"no such route\"}");
                return;
            }
            var (status, json) = handler(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        server = new ScriptedServer(app, address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
