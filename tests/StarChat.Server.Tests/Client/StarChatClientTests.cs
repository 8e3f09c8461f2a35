using System.Text;
using Microsoft.Extensions.AI;
using StarChat.Generation.Sampling;
using StarChat.Server.Client;
using StarChat.Server.Tests.Support;

namespace StarChat.Server.Tests.Client;

/// <summary>The in-process <see cref="IChatClient"/>, checked against the numpy reference continuation of the fixture chat.</summary>
public sealed class StarChatClientTests
{
    /// <summary>Typed as the interface on purpose: callers reach the client through <see cref="IChatClient"/>.</summary>
    public static IChatClient NewClient() => new StarChatClient(TinyModel.Shared);

    private static ChatMessage[] Conversation => [new(ChatRole.System, ""), new(ChatRole.User, "How do I sort a list in Python?")];

    private static string ReferenceReply(int tokens)
        => TinyModel.Shared.Text.Tokenizer.Decode(Reference.Greedy("chat").AsSpan(0, tokens), skipSpecialTokens: true).TrimStart();

    [Fact]
    public async Task GetResponseAsync_TemperatureZero_MatchesNumpyGreedyWithUsage()
    {
        using var client = NewClient();

        var response = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 20 }, TestContext.Current.CancellationToken);

        Assert.Equal(ReferenceReply(20), response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages[0].Role);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(18, response.Usage!.InputTokenCount);
        Assert.Equal(20, response.Usage.OutputTokenCount);
        Assert.Equal("tiny-starchat", response.ModelId);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TemperatureZero_UpdatesAddUpToTheReference()
    {
        using var client = NewClient();
        var text = new StringBuilder();
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 20 }, TestContext.Current.CancellationToken))
        {
            updates.Add(update);
            text.Append(update.Text);
        }

        Assert.Equal(ReferenceReply(20), text.ToString());
        Assert.True(updates.Count > 5);
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
        Assert.Equal(20, updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_SeededOptions_SameAsSingleSequenceGeneratorWithMappedSampling()
    {
        var model = TinyModel.Shared;
        using var client = NewClient();
        var options = new ChatOptions { Temperature = 1.3f, TopP = 0.9f, TopK = 40, Seed = 99, MaxOutputTokens = 12 };

        var response = await client.GetResponseAsync(Conversation, options, TestContext.Current.CancellationToken);

        // The same settings through the single-sequence generator: each ChatOptions field must reach the sampler.
        var sampling = SamplingOptions.StarChatDefaults with { DoSample = true, Temperature = 1.3f, TopP = 0.9f, TopK = 40, Seed = 99, MaxNewTokens = 12 };
        var ids = new Generation.TextGenerator(model.Model, model.Text.Tokenizer)
            .Stream(new Generation.GenerationRequest { PromptIds = Reference.Prompt("chat").Ids, Sampling = sampling, StopTokenIds = model.EndOfTextIds })
            .Where(s => s.TokenId >= 0).Select(s => s.TokenId).ToArray();
        Assert.Equal(model.Text.Tokenizer.Decode(ids, skipSpecialTokens: true).TrimStart(), response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_StopSequence_TextEndsBeforeIt()
    {
        using var client = NewClient();
        string full = ReferenceReply(20);
        string stop = full.Substring(full.Length / 2, 3);

        var response = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 20, StopSequences = [stop] }, TestContext.Current.CancellationToken);

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Cancelled_StopsAndFreesTheSlot()
    {
        using var client = new StarChatClient(TinyModel.Shared, new StarChatClientOptions { Parallel = 1 });
        using var cts = new CancellationTokenSource();
        int seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 400 }, cts.Token))
            {
                if (++seen == 3) await cts.CancelAsync();
            }
        });

        // The one slot is free again: a second call runs to its end.
        var next = await client.GetResponseAsync(Conversation, new ChatOptions { Temperature = 0, MaxOutputTokens = 4 }, TestContext.Current.CancellationToken);
        Assert.Equal(ReferenceReply(4), next.Text);
    }

    [Fact]
    public async Task GetResponseAsync_ImageContent_NotSupported()
    {
        using var client = NewClient();
        var message = new ChatMessage(ChatRole.User, [new TextContent("what is this"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")]);

        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([message], cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void GetService_Metadata_NamesProviderAndModel()
    {
        using var client = NewClient();

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.Equal("starchat", metadata!.ProviderName);
        Assert.Equal("tiny-starchat", metadata.DefaultModelId);
        Assert.Same(client, client.GetService<StarChatClient>());
    }
}
