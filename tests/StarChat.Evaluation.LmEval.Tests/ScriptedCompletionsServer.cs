using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace StarChat.Evaluation.LmEval.Tests;

/// <summary>A local HTTP server answering <c>POST /v1/completions</c> with a scripted handler (Kestrel on a free port).</summary>
internal sealed class ScriptedCompletionsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedCompletionsServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Request bodies received, in order.</summary>
    public List<JsonElement> Requests { get; } = [];

    public static async Task<ScriptedCompletionsServer> StartAsync(Func<JsonElement, (int Status, object Body)> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ScriptedCompletionsServer? server = null;
        app.MapPost("/v1/completions", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var request = body.RootElement.Clone();
            lock (server!.Requests) server.Requests.Add(request);
            var (status, payload) = handler(request);
            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(payload);
        });
        await app.StartAsync();
        server = new ScriptedCompletionsServer(app, app.Urls.First());
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
