using System.ClientModel;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;
using StarChat.Evaluation.Backends;
using StarChat.Server.Tests.Support;

namespace StarChat.Server.Tests.Http;

/// <summary>
/// The running server driven by the official OpenAI .NET SDK and by our evaluation harness's endpoint client, as
/// real clients would; replies are compared with the numpy reference continuations.
/// </summary>
public sealed class OpenAiSdkTests : IAsyncLifetime
{
    private StarChatServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServers.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private OpenAIClientOptions Options => new() { Endpoint = new Uri(_server.Address, "/v1"), NetworkTimeout = TimeSpan.FromSeconds(60) };

    private ChatClient Chat => new("tiny-starchat", new ApiKeyCredential("not-checked"), Options);

    private static ChatMessage[] Conversation => [new SystemChatMessage(""), new UserChatMessage("How do I sort a list in Python?")];

    private static string ReferenceChatReply(int tokens)
        => TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("chat").AsSpan(0, tokens), skipSpecialTokens: true).TrimStart();

    [Fact]
    public async Task CompleteChat_Greedy_ReplyMatchesNumpyReference()
    {
        ChatCompletion completion = await Chat.CompleteChatAsync(Conversation,
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 24 }, TestContext.Current.CancellationToken);

        Assert.Equal(ReferenceChatReply(24), completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(18, completion.Usage.InputTokenCount);
        Assert.Equal(24, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_Greedy_UpdatesAddUpToTheReferenceReply()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        int updates = 0;
        await foreach (var update in Chat.CompleteChatStreamingAsync(Conversation,
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 24 }, TestContext.Current.CancellationToken))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal(ReferenceChatReply(24), text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.True(updates > 10, $"{updates} updates: the reply was not streamed");
    }

    [Fact]
    public async Task Completions_ThroughTheSdkPipeline_TextMatchesNumpyReference()
    {
        // SDK 2.x keeps its legacy completions client internal; its public pipeline (auth, retries, transport) is
        // what a client sends /v1/completions through.
        var pipeline = Chat.Pipeline;
        using var message = pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = new Uri(_server.Address, "/v1/completions");
        message.Request.Headers.Set("Content-Type", "application/json");
        string body = JsonSerializer.Serialize(new { model = "tiny-starchat", prompt = Reference.Prompt("hello").Text, max_tokens = 12, temperature = 0 });
        message.Request.Content = BinaryContent.Create(BinaryData.FromString(body));

        await pipeline.SendAsync(message);

        Assert.Equal(200, message.Response!.Status);
        var json = JsonDocument.Parse(message.Response.Content.ToString()).RootElement;
        Assert.Equal(TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("hello").AsSpan(0, 12), skipSpecialTokens: true),
            json.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(EndpointApi.OpenAi)]
    [InlineData(EndpointApi.Tgi)]
    public async Task EvaluationEndpointBackend_GreedyCompletion_MatchesNumpyReference(EndpointApi api)
    {
        using var backend = new EndpointBackend(_server.Address, api);

        var replies = await backend.CompleteAsync(new CompletionJob { Prompt = Reference.Prompt("hello").Text, Temperature = 0, MaxNewTokens = 12 }, TestContext.Current.CancellationToken);

        Assert.Equal(TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("hello").AsSpan(0, 12), skipSpecialTokens: true), Assert.Single(replies));
    }
}
