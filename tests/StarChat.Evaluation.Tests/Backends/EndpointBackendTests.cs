using System.Text.Json.Nodes;
using StarChat.Evaluation.Backends;
using StarChat.Text.Chat;

namespace StarChat.Evaluation.Tests.Backends;

/// <summary>The endpoint client against a scripted local server speaking the OpenAI and TGI shapes of protocols.md §5.</summary>
public class EndpointBackendTests
{
    private static string Completions(params string[] texts)
        => new JsonObject
        {
            ["object"] = "text_completion",
            // Out of order on purpose: the client must order choices by index.
            ["choices"] = new JsonArray([.. texts.Select((t, i) => (JsonNode)new JsonObject { ["index"] = i, ["text"] = t, ["finish_reason"] = "stop" }).Reverse()]),
        }.ToJsonString();

    [Fact]
    public async Task CompleteAsync_OpenAi_SendsHarnessSettingsAndReturnsChoicesInOrder()
    {
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/v1/completions"] = body => (200, Completions("a", "b", "c")),
        });
        using var backend = new EndpointBackend(new Uri(server.Address, "v1"), EndpointApi.OpenAi, model: "starcoder");
        var texts = await backend.CompleteAsync(new CompletionJob
        {
            Prompt = "def f():", Count = 3, Temperature = 0.2, TopP = 0.95, MaxNewTokens = 128, Seed = 7,
            StopStrings = ["\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif"],
        });
        Assert.Equal(["a", "b", "c"], texts);
        var (path, body) = Assert.Single(server.Requests);
        Assert.Equal("/v1/completions", path);
        Assert.Equal("starcoder", (string?)body!["model"]);
        Assert.Equal("def f():", (string?)body["prompt"]);
        Assert.Equal(3, (int?)body["n"]);
        Assert.Equal(128, (int?)body["max_tokens"]);
        Assert.Equal(0.95, (double?)body["top_p"]);
        Assert.Equal(7, (int?)body["seed"]);
        Assert.Equal(["\nclass", "\ndef", "\n#", "\n@"], body["stop"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task CompleteAsync_ServerRefusesNAboveOne_FallsBackToOneSamplePerRequest()
    {
        int calls = 0;
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/v1/completions"] = body => (int?)body!["n"] > 1
                ? (400, "{\"error\":{\"code\":400,\"message\":\"Only one completion choice is allowed\",\"type\":\"invalid_request_error\"}}")
                : (200, Completions($"s{Interlocked.Increment(ref calls)}")),
        });
        using var backend = new EndpointBackend(server.Address, EndpointApi.OpenAi, model: "m");
        Assert.Equal(["s1", "s2", "s3"], await backend.CompleteAsync(new CompletionJob { Prompt = "x", Count = 3 }));
        Assert.Equal(["s4", "s5"], await backend.CompleteAsync(new CompletionJob { Prompt = "x", Count = 2 }));
        // After the first refusal the client no longer asks for n > 1.
        Assert.Single(server.Requests, r => (int?)r.Body!["n"] > 1);
    }

    [Fact]
    public async Task CompleteAsync_Tgi_OneRequestPerSampleWithValidatedParameters()
    {
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/generate"] = body => (200, new JsonObject { ["generated_text"] = $"seed {(int?)body!["parameters"]!["seed"]}" }.ToJsonString()),
        });
        using var backend = new EndpointBackend(server.Address, EndpointApi.Tgi);
        var texts = await backend.CompleteAsync(new CompletionJob { Prompt = "p", Count = 2, Temperature = 0.2, TopP = 0.95, TopK = 0, Seed = 10, StopStrings = ["\n}"] });
        Assert.Equal(["seed 10", "seed 11"], texts);
        var first = server.Requests.First().Body!;
        Assert.Equal("p", (string?)first["inputs"]);
        var parameters = first["parameters"]!;
        Assert.True((bool?)parameters["do_sample"]);
        Assert.False((bool?)parameters["return_full_text"]);
        Assert.Equal(0.95, (double?)parameters["top_p"]);
        Assert.Null(parameters["top_k"]);
    }

    [Fact]
    public async Task CompleteAsync_TgiGreedy_OmitsTemperatureAndTopP()
    {
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/generate"] = _ => (200, "{\"generated_text\":\"x\"}"),
        });
        using var backend = new EndpointBackend(server.Address, EndpointApi.Tgi);
        await backend.CompleteAsync(new CompletionJob { Prompt = "p", Temperature = 0, TopP = 0.95 });
        var parameters = server.Requests.Single().Body!["parameters"]!.AsObject();
        Assert.False((bool?)parameters["do_sample"]);
        Assert.False(parameters.ContainsKey("temperature"));
        Assert.False(parameters.ContainsKey("top_p"));
    }

    [Fact]
    public async Task ChatAsync_OpenAi_SendsMessagesAndDiscoversTheModel()
    {
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/v1/models"] = _ => (200, "{\"object\":\"list\",\"data\":[{\"id\":\"HuggingFaceH4/starchat-beta\",\"object\":\"model\"}]}"),
            ["/v1/chat/completions"] = _ => (200, "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"[[A]]\"},\"finish_reason\":\"stop\"}]}"),
        });
        using var backend = new EndpointBackend(server.Address);
        string reply = await backend.ChatAsync(new ChatJob { Messages = [ChatMessage.System("judge"), ChatMessage.User("which?")] });
        Assert.Equal("[[A]]", reply);
        var body = server.Requests.Single(r => r.Path == "/v1/chat/completions").Body!;
        Assert.Equal("HuggingFaceH4/starchat-beta", (string?)body["model"]);
        Assert.Equal(["system", "user"], body["messages"]!.AsArray().Select(m => (string?)m!["role"]));
        Assert.Equal(0, (double?)body["temperature"]);
    }

    [Fact]
    public async Task CompleteAsync_Overloaded_RetriesThenSucceeds()
    {
        int calls = 0;
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/generate"] = _ => Interlocked.Increment(ref calls) < 3
                ? (429, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}")
                : (200, "{\"generated_text\":\"ok\"}"),
        });
        using var backend = new EndpointBackend(server.Address, EndpointApi.Tgi) { RetryDelay = TimeSpan.FromMilliseconds(10) };
        Assert.Equal(["ok"], await backend.CompleteAsync(new CompletionJob { Prompt = "p" }));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task CompleteAsync_ValidationError_ThrowsWithTheServersMessage()
    {
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/generate"] = _ => (422, "{\"error\":\"Input validation error: `temperature` must be strictly positive\",\"error_type\":\"validation\"}"),
        });
        using var backend = new EndpointBackend(server.Address, EndpointApi.Tgi) { RetryDelay = TimeSpan.FromMilliseconds(10) };
        var e = await Assert.ThrowsAsync<EndpointException>(() => backend.CompleteAsync(new CompletionJob { Prompt = "p" }));
        Assert.Contains("HTTP 422", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be strictly positive", e.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CompleteAsync_ReplyWithoutChoices_ThrowsNamingTheRoute()
    {
        await using var server = await ScriptedServer.StartAsync(new Dictionary<string, ScriptedServer.Handler>
        {
            ["/v1/completions"] = _ => (200, "{\"unexpected\":true}"),
        });
        using var backend = new EndpointBackend(server.Address, model: "m");
        var e = await Assert.ThrowsAsync<EndpointException>(() => backend.CompleteAsync(new CompletionJob { Prompt = "p" }));
        Assert.Contains("v1/completions", e.Message, StringComparison.Ordinal);
    }
}
