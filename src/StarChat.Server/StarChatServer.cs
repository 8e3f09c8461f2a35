using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StarChat.Server.Hosting;
using StarChat.Server.Metrics;
using StarChat.Server.OpenAi;
using StarChat.Server.Tgi;
using StarChat.Server.Web;

namespace StarChat.Server;

/// <summary>
/// The serving process, without a <c>Main</c>: the CLI's <c>starchat serve</c> and the tests start it the same way.
/// It listens at once and loads the model in the background (API calls get 503 and <c>/health</c> says so until it
/// is ready), then serves the OpenAI and TGI APIs, <c>/metrics</c> and the chat page.
/// </summary>
public sealed class StarChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StarChatServer(WebApplication app, ModelHost host, Uri address)
    {
        _app = app;
        Host = host;
        Address = address;
    }

    /// <summary>Where the server listens (with the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>The model's loading state and, once loaded, the model and its scheduler.</summary>
    public ModelHost Host { get; }

    /// <summary>The server's metrics.</summary>
    public ServerMetrics Metrics => Host.Metrics;

    /// <summary>Starts listening and begins loading the model.</summary>
    /// <param name="options">What to serve and how.</param>
    /// <param name="logging">Adds log providers (the CLI logs to the console); null logs nothing.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="IOException">The address is in use.</exception>
    public static async Task<StarChatServer> StartAsync(ServerOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var metrics = new ServerMetrics();
        var host = new ModelHost(options, metrics);
        var app = Build(options, host, logging);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            host.Dispose();
            throw;
        }
        host.StartLoading();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new StarChatServer(app, host, new Uri(addresses.First()));
    }

    private static WebApplication Build(ServerOptions options, ModelHost host, Action<ILoggingBuilder>? logging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(StarChatServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(ListenAddress(options.Host), options.Port);
        });
        builder.Services.Configure<JsonOptions>(json => ServerJson.Configure(json.SerializerOptions));
        builder.Services.AddSingleton(host);
        builder.Services.AddSingleton(host.Metrics);
        if (options.CorsOrigins.Count > 0)
            builder.Services.AddCors();

        var app = builder.Build();
        host.Metrics.QueueLength = () => host.Model?.Scheduler.Queued ?? 0;
        host.Metrics.Running = () => host.Model?.Scheduler.Running ?? 0;
        host.Metrics.Slots = () => host.Model?.Scheduler.Slots ?? options.Parallel;
        host.Metrics.ModelLoaded = () => host.State == ModelState.Ready;

        app.UseRequestMetrics(host.Metrics);
        if (options.CorsOrigins.Count > 0)
        {
            app.UseCors(policy =>
            {
                if (options.CorsOrigins.Contains("*")) policy.AllowAnyOrigin();
                else policy.WithOrigins([.. options.CorsOrigins]);
                policy.AllowAnyHeader().AllowAnyMethod();
            });
        }
        app.UseApiKey(options.ApiKey);
        app.UseBodyLimit(options.MaxRequestBodyBytes);
        app.MapOpenAi();
        app.MapTgi();
        app.MapMetrics();
        app.MapChatPage();
        return app;
    }

    /// <summary><c>localhost</c> means the IPv4 loopback; other names are resolved.</summary>
    private static IPAddress ListenAddress(string host)
    {
        if (host is "localhost") return IPAddress.Loopback;
        if (IPAddress.TryParse(host, out var address)) return address;
        return Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"--host '{host}' does not resolve to an address");
    }

    /// <summary>Waits until the process is asked to stop (Ctrl+C, SIGTERM) or <paramref name="cancellationToken"/> fires.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStop = _app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        using var onCancel = cancellationToken.Register(() => stopping.TrySetResult());
        await stopping.Task.ConfigureAwait(false);
    }

    /// <summary>Stops listening, ends running requests and releases the model.</summary>
    public async ValueTask DisposeAsync()
    {
        // The scheduler first: open streams end at once instead of holding the shutdown until they finish.
        Host.Dispose();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
