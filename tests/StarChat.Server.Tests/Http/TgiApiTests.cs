using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StarChat.Server.Tests.Support;

namespace StarChat.Server.Tests.Http;

/// <summary>The TGI routes over real HTTP, checked against the numpy reference continuations of the fixture prompts.</summary>
public sealed class TgiApiTests : IAsyncLifetime
{
    private StarChatServer _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await TestServers.StartAsync();
        _client = TestServers.Client(_server);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Generate_EditorPluginFimPromptWithDetails_TokensMatchNumpyGreedy()
    {
        // What an editor plugin (llm-vscode) sends: the whole <fim_prefix>…<fim_suffix>…<fim_middle> prompt as inputs.
        var (fim, ids) = Reference.Prompt("fim");

        using var response = await _client.PostAsJsonAsync("/generate",
            new { inputs = fim, parameters = new { max_new_tokens = 16, details = true, decoder_input_details = true } }, TestContext.Current.CancellationToken);

        var json = await Sse.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var details = json.GetProperty("details");
        Assert.Equal(Reference.Greedy("fim")[..16], details.GetProperty("tokens").EnumerateArray().Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal("length", details.GetProperty("finish_reason").GetString());
        Assert.Equal(16, details.GetProperty("generated_tokens").GetInt32());
        Assert.Equal(ids, details.GetProperty("prefill").EnumerateArray().Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal(TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("fim").AsSpan(0, 16), skipSpecialTokens: true), json.GetProperty("generated_text").GetString());
    }

    [Fact]
    public async Task GenerateStream_Greedy_OneEventPerTokenAndTheLastCarriesTheText()
    {
        var (prompt, _) = Reference.Prompt("hello");

        using var response = await Sse.PostAsync(_client, "/generate_stream", new { inputs = prompt, parameters = new { max_new_tokens = 10 } }, TestContext.Current.CancellationToken);
        var events = (await Sse.ReadAsync(response, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken))
            .Select(e => JsonDocument.Parse(e).RootElement).ToList();

        Assert.Equal(Reference.Greedy("hello")[..10], events.Select(e => e.GetProperty("token").GetProperty("id").GetInt32()));
        Assert.All(events[..^1], e => Assert.Equal(JsonValueKind.Null, e.GetProperty("generated_text").ValueKind));
        Assert.Equal(string.Concat(events.Select(e => e.GetProperty("token").GetProperty("text").GetString())), events[^1].GetProperty("generated_text").GetString());
        Assert.Equal("length", events[^1].GetProperty("details").GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("""{"inputs":"x","parameters":{"top_p":1.0}}""", "top_p")]
    [InlineData("""{"inputs":"x","parameters":{"temperature":0}}""", "temperature")]
    [InlineData("""{"inputs":"x","parameters":{"top_k":0}}""", "top_k")]
    [InlineData("""{"inputs":""}""", "inputs")]
    public async Task Generate_InvalidParameter_422ValidationErrorInTgiShape(string body, string field)
    {
        using var response = await _client.PostAsync("/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        var json = await Sse.JsonAsync(response);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("validation", json.GetProperty("error_type").GetString());
        Assert.Contains(field, json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_Details_SameFieldsAsRealTgiSnapshot()
    {
        // The request TGI's own integration test sends (test_flash_starcoder.py), and its recorded response.
        var snapshot = JsonDocument.Parse(File.ReadAllText(Testing.SharedPaths.Data("tgi-snapshots", "test_flash_starcoder", "test_flash_starcoder.json"))).RootElement;

        using var response = await _client.PostAsJsonAsync("/generate",
            new { inputs = "def print_hello", parameters = new { max_new_tokens = 10, details = true } }, TestContext.Current.CancellationToken);

        var ours = await Sse.JsonAsync(response);
        Assert.Equal(Fields(snapshot), Fields(ours));
        Assert.Equal(Fields(snapshot.GetProperty("details").GetProperty("tokens")[0]), Fields(ours.GetProperty("details").GetProperty("tokens")[0]));
        Assert.Equal(snapshot.GetProperty("details").GetProperty("generated_tokens").GetInt32(), ours.GetProperty("details").GetProperty("generated_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Null, ours.GetProperty("details").GetProperty("seed").ValueKind);
    }

    private static string Fields(JsonElement element)
    {
        var names = new List<string>();
        void Walk(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object) return;
            foreach (var p in e.EnumerateObject())
            {
                names.Add(path + p.Name);
                if (p.Value.ValueKind == JsonValueKind.Object) Walk(p.Value, path + p.Name + ".");
            }
        }
        Walk(element, "");
        return string.Join(",", names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Info_Ready_ReportsModelAndLimits()
    {
        var json = await _client.GetFromJsonAsync<JsonElement>("/info", TestContext.Current.CancellationToken);

        Assert.Equal("tiny-starchat", json.GetProperty("model_id").GetString());
        Assert.Equal(512, json.GetProperty("max_total_tokens").GetInt32());
        Assert.Equal(4, json.GetProperty("max_stop_sequences").GetInt32());
    }
}
