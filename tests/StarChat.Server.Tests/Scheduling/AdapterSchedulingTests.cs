using StarChat.Generation.Sampling;
using StarChat.Server.Scheduling;
using StarChat.Server.Tests.Support;
using StarChat.Testing;

namespace StarChat.Server.Tests.Scheduling;

/// <summary>
/// Per-request LoRA adapters in the scheduler, against <c>expected-hf.json</c>'s greedy ids (README-hf.md §4, §7:
/// exact): sequences with and without the adapter decode in the same steps, and a cached prefix is never reused
/// across adapters.
/// </summary>
public sealed class AdapterSchedulingTests
{
    private static SequenceRequest Greedy(HfFixtureCases.Case c, int tokens) => new()
    {
        PromptIds = c.Ids,
        Sampling = SamplingOptions.Greedy with { MaxNewTokens = tokens },
        Adapter = c.Adapter is null ? 0 : 1,
    };

    private static async Task<int[]> Ids(SequenceHandle handle)
    {
        var ids = new List<int>();
        await foreach (var e in handle.Events.ReadAllAsync().WithCancellation(TestContext.Current.CancellationToken))
        {
            if (e.Id >= 0) ids.Add(e.Id);
        }
        return [.. ids];
    }

    [Fact]
    public async Task SubmitAll_WithAndWithoutAdapter_DecodedTogetherAndEachMatchesItsReference()
    {
        var model = TinyLoraModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 4 });
        var cases = new[] { "tiny-starchat-lora/code", "tiny-starchat/code", "tiny-starchat/chat", "tiny-starchat-lora/chat" }.Select(HfFixtureCases.Get).ToArray();

        var results = await Task.WhenAll(scheduler.SubmitAll([.. cases.Select(c => Greedy(c, 16))]).Select(Ids));

        for (int i = 0; i < cases.Length; i++)
            Assert.Equal(cases[i].GreedyIds, results[i]);
        Assert.Equal(4, scheduler.LargestBatch);
    }

    [Fact]
    public async Task Submit_SamePromptOtherAdapter_DoesNotReuseTheCachedPrefix()
    {
        var model = TinyLoraModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1 });
        var lora = HfFixtureCases.Get("tiny-starchat-lora/chat");
        var plain = HfFixtureCases.Get("tiny-starchat/chat");
        Assert.Equal(lora.Ids, plain.Ids);

        Assert.Equal(lora.GreedyIds[..4], await Ids(scheduler.Submit(Greedy(lora, 4))));
        var other = scheduler.Submit(Greedy(plain, 4));
        Assert.Equal(plain.GreedyIds[..4], await Ids(other));
        Assert.Equal(0, other.ReusedPromptTokens);

        var again = scheduler.Submit(Greedy(plain, 4));
        Assert.Equal(plain.GreedyIds[..4], await Ids(again));
        Assert.Equal(plain.Ids.Length - 1, again.ReusedPromptTokens);
    }

    [Fact]
    public async Task Submit_AdapterTheModelLacks_FailsThatRequestOnly()
    {
        var model = TinyLoraModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1 });
        var c = HfFixtureCases.Get("tiny-starchat/code");
        var bad = scheduler.Submit(Greedy(c, 2) with { Adapter = 7 });
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Ids(bad));
        Assert.Equal(c.GreedyIds[..2], await Ids(scheduler.Submit(Greedy(c, 2))));
    }
}
