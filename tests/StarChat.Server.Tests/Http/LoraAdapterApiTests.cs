using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StarChat.Server.Tests.Support;
using StarChat.Testing;

namespace StarChat.Server.Tests.Http;

/// <summary>
/// Per-request LoRA adapters over HTTP (TGI <c>parameters.adapter_id</c>, OpenAI <c>model</c>), against
/// <c>expected-hf.json</c>'s greedy ids for tiny-starchat with and without the fixture adapter (README-hf.md §4, §7:
/// all 16 ids exact). Requests with and without the adapter run at the same time and share decoding steps.
/// </summary>
public sealed class LoraAdapterApiTests : IAsyncLifetime
{
    private StarChatServer _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestServers.StartAsync(o => o with
        {
            ModelLoader = _ => TinyLoraModel.Shared,
            ModelName = "tiny-starchat",
            Parallel = 4,
            // Steps slow enough that requests sent together are admitted into the same batch.
            StepDelay = TimeSpan.FromMilliseconds(10),
        });
        _client = TestServers.Client(_server);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<int[]> TgiGreedyIds(HfFixtureCases.Case c, string? adapterId)
    {
        using var response = await _client.PostAsJsonAsync("/generate",
            new { inputs = c.Prompt, parameters = new { max_new_tokens = 16, details = true, decoder_input_details = true, adapter_id = adapterId } }, Ct);
        var json = await Sse.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var details = json.GetProperty("details");
        Assert.Equal(c.Ids, details.GetProperty("prefill").EnumerateArray().Select(t => t.GetProperty("id").GetInt32()));
        return [.. details.GetProperty("tokens").EnumerateArray().Select(t => t.GetProperty("id").GetInt32())];
    }

    [Fact]
    public async Task TgiGenerate_AdapterIdAndNoneAtOnce_EachMatchesItsReference()
    {
        var cases = new[] { "tiny-starchat-lora/code", "tiny-starchat/code", "tiny-starchat-lora/chat", "tiny-starchat/chat" }.Select(HfFixtureCases.Get).ToArray();

        var results = await Task.WhenAll(cases.Select(c => TgiGreedyIds(c, c.Adapter is null ? null : TinyLoraModel.Name)));

        for (int i = 0; i < cases.Length; i++)
            Assert.Equal(cases[i].GreedyIds, results[i]);
        Assert.True(_server.Host.Model!.Scheduler.LargestBatch >= 2, $"largest batch {_server.Host.Model!.Scheduler.LargestBatch}: the requests never shared a step");
    }

    private async Task<(string Model, string Text)> OpenAiCompletion(HfFixtureCases.Case c, string? model)
    {
        using var response = await _client.PostAsJsonAsync("/v1/completions", new { model, prompt = c.Ids, max_tokens = 16, temperature = 0 }, Ct);
        var json = await Sse.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (json.GetProperty("model").GetString()!, json.GetProperty("choices")[0].GetProperty("text").GetString()!);
    }

    [Fact]
    public async Task OpenAiCompletions_ModelIsAdapterOrBase_TextOfItsReferenceGreedyIds()
    {
        var lora = HfFixtureCases.Get("tiny-starchat-lora/code");
        var plain = HfFixtureCases.Get("tiny-starchat/code");
        var tokenizer = TinyLoraModel.Shared.Text.Tokenizer;

        var results = await Task.WhenAll(OpenAiCompletion(lora, TinyLoraModel.Name), OpenAiCompletion(plain, "tiny-starchat"), OpenAiCompletion(plain, null));

        Assert.Equal((TinyLoraModel.Name, tokenizer.Decode(lora.GreedyIds, skipSpecialTokens: true)), results[0]);
        Assert.Equal(("tiny-starchat", tokenizer.Decode(plain.GreedyIds, skipSpecialTokens: true)), results[1]);
        Assert.Equal(results[1], results[2]);
    }

    [Fact]
    public async Task OpenAiCompletionsStream_ModelIsAdapter_EveryChunkNamesItAndTheTextIsTheReference()
    {
        var lora = HfFixtureCases.Get("tiny-starchat-lora/code");

        using var response = await Sse.PostAsync(_client, "/v1/completions", new { model = TinyLoraModel.Name, prompt = lora.Ids, max_tokens = 16, temperature = 0, stream = true }, Ct);
        var chunks = (await Sse.ReadAsync(response, Ct).ToListAsync(Ct)).Where(e => e != "[DONE]").Select(e => JsonDocument.Parse(e).RootElement).ToList();

        Assert.All(chunks, c => Assert.Equal(TinyLoraModel.Name, c.GetProperty("model").GetString()));
        Assert.Equal(TinyLoraModel.Shared.Text.Tokenizer.Decode(lora.GreedyIds, skipSpecialTokens: true),
            string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())));
    }

    [Fact]
    public async Task OpenAiChat_ModelIsAdapter_ReportsTheAdapterAndDiffersFromBase()
    {
        async Task<JsonElement> Chat(string model)
        {
            using var response = await _client.PostAsJsonAsync("/v1/chat/completions",
                new { model, messages = new[] { new { role = "user", content = "How do I sort a list in Python?" } }, max_tokens = 8, temperature = 0 }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await Sse.JsonAsync(response);
        }

        var adapted = await Chat(TinyLoraModel.Name);
        var plain = await Chat("tiny-starchat");

        Assert.Equal(TinyLoraModel.Name, adapted.GetProperty("model").GetString());
        Assert.NotEqual(plain.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            adapted.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/completions")]
    public async Task OpenAi_UnknownModel_404NamingItAndTheLoadedAdapters(string route)
    {
        object body = route.EndsWith("chat/completions", StringComparison.Ordinal)
            ? new { model = "sql-lora", messages = new[] { new { role = "user", content = "hi" } } }
            : new { model = "sql-lora", prompt = "def" };

        using var response = await _client.PostAsJsonAsync(route, body, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await Sse.JsonAsync(response)).GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("'sql-lora'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(TinyLoraModel.Name, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task TgiGenerate_UnknownAdapterId_422ValidationNamingItAndTheLoadedAdapters()
    {
        using var response = await _client.PostAsJsonAsync("/generate", new { inputs = "def", parameters = new { adapter_id = "sql-lora" } }, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var json = await Sse.JsonAsync(response);
        Assert.Equal("validation", json.GetProperty("error_type").GetString());
        Assert.Contains("'sql-lora'", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains(TinyLoraModel.Name, json.GetProperty("error").GetString(), StringComparison.Ordinal);
        // The server keeps serving.
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/generate", new { inputs = "def", parameters = new { max_new_tokens = 2 } }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Models_ListsTheBaseModelAndEachAdapterWithItsParent()
    {
        var data = (await _client.GetFromJsonAsync<JsonElement>("/v1/models", Ct)).GetProperty("data");

        Assert.Equal(["tiny-starchat", TinyLoraModel.Name], data.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.False(data[0].TryGetProperty("parent", out _));
        Assert.Equal("tiny-starchat", data[1].GetProperty("parent").GetString());
    }
}
