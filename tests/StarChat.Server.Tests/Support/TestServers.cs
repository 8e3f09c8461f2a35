namespace StarChat.Server.Tests.Support;

/// <summary>Starts a real server on 127.0.0.1 with a free port, serving the shared tiny model.</summary>
internal static class TestServers
{
    public static async Task<StarChatServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null, bool waitForModel = true)
    {
        var options = new ServerOptions { Port = 0, ModelLoader = _ => TinyModel.Shared };
        if (configure is not null) options = configure(options);
        var server = await StarChatServer.StartAsync(options);
        if (waitForModel) await server.Host.Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    public static HttpClient Client(StarChatServer server) => new() { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
}
