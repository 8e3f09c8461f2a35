using StarChat.Generation;
using StarChat.Generation.Sampling;
using StarChat.Server.Scheduling;
using StarChat.Server.Tests.Support;

namespace StarChat.Server.Tests.Scheduling;

public sealed class BatchSchedulerTests
{
    private static readonly string[] s_prompts = ["hello", "chat", "fim", "eot"];

    private static SequenceRequest Greedy(int[] prompt, int tokens) => new()
    {
        PromptIds = prompt,
        Sampling = SamplingOptions.Greedy with { MaxNewTokens = tokens },
    };

    private static async Task<List<TokenEvent>> ReadAll(SequenceHandle handle)
    {
        var events = new List<TokenEvent>();
        await foreach (var e in handle.Events.ReadAllAsync().WithCancellation(TestContext.Current.CancellationToken))
            events.Add(e);
        return events;
    }

    [Fact]
    public async Task SubmitAll_FourPromptsAtOnce_DecodedTogetherAndEachMatchesNumpyGreedy()
    {
        using var scheduler = new BatchScheduler(TinyModel.Shared.Model, TinyModel.Shared.Text.Tokenizer, new SchedulerOptions { Slots = 4 });
        var handles = scheduler.SubmitAll([.. s_prompts.Select(p => Greedy(Reference.Prompt(p).Ids, 32))]);

        var results = await Task.WhenAll(handles.Select(ReadAll));

        for (int i = 0; i < s_prompts.Length; i++)
        {
            Assert.Equal(Reference.Greedy(s_prompts[i]), results[i].Select(e => e.Id));
            Assert.Equal(FinishReason.Length, results[i][^1].Finish);
        }
        Assert.Equal(4, scheduler.LargestBatch);
        // 32 tokens each: the first comes from prefill, the other 31 from 31 shared steps (not 4 × 31).
        Assert.InRange(scheduler.Steps, 31, 40);
    }

    [Fact]
    public async Task Submit_MoreRequestsThanSlots_WaitingOnesRunWhenSlotsFree()
    {
        using var scheduler = new BatchScheduler(TinyModel.Shared.Model, TinyModel.Shared.Text.Tokenizer, new SchedulerOptions { Slots = 2 });
        var handles = s_prompts.Select(p => scheduler.Submit(Greedy(Reference.Prompt(p).Ids, 12))).ToList();

        var results = await Task.WhenAll(handles.Select(ReadAll));

        for (int i = 0; i < s_prompts.Length; i++)
            Assert.Equal(Reference.Greedy(s_prompts[i])[..12], results[i].Select(e => e.Id));
        Assert.Equal(2, scheduler.LargestBatch);
        Assert.Equal(0, scheduler.Running);
    }

    [Fact]
    public async Task Submit_NextTurnOfConversation_ReusesCachedPrefixAndMatchesFreshGeneration()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 3 });
        int[] first = Reference.Prompt("chat").Ids;
        var reply = await ReadAll(scheduler.Submit(Greedy(first, 6)));
        int[] second = [.. first, .. reply.Select(e => e.Id), .. model.Text.Tokenizer.Encode("\n<|user|>\nAnd in C#?<|end|>\n<|assistant|>")];

        var handle = scheduler.Submit(Greedy(second, 8));
        var continued = await ReadAll(handle);

        // The prompt and the reply were cached in the slot the first turn used; only the new tokens ran.
        Assert.Equal(first.Length + reply.Count - 1, handle.ReusedPromptTokens);
        var fresh = new TextGenerator(model.Model, model.Text.Tokenizer)
            .Stream(new GenerationRequest { PromptIds = second, Sampling = SamplingOptions.Greedy with { MaxNewTokens = 8 } })
            .Where(s => s.TokenId >= 0).Select(s => s.TokenId);
        Assert.Equal(fresh, continued.Select(e => e.Id));
    }

    [Fact]
    public async Task Submit_SeededSampling_SameTokensAsSingleSequenceGenerator()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 2 });
        var sampling = SamplingOptions.StarChatDefaults with { Temperature = 1.5f, TopK = 0, TopP = 0.9f, MaxNewTokens = 20, Seed = 1234 };
        int[] prompt = Reference.Prompt("hello").Ids;
        // A second, unrelated sequence shares every step: it must not disturb the first one's random draws.
        var other = scheduler.Submit(Greedy(Reference.Prompt("chat").Ids, 20));
        var handle = scheduler.Submit(new SequenceRequest { PromptIds = prompt, Sampling = sampling });

        var batched = await ReadAll(handle);
        await ReadAll(other);

        var single = new TextGenerator(model.Model, model.Text.Tokenizer)
            .Stream(new GenerationRequest { PromptIds = prompt, Sampling = sampling })
            .Where(s => s.TokenId >= 0).Select(s => s.TokenId);
        Assert.Equal(single, batched.Select(e => e.Id));
    }

    [Fact]
    public async Task Submit_PromptLogProbs_MatchNumpyReferenceLogits()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1 });
        var (_, ids) = Reference.Prompt("hello");
        var handle = scheduler.Submit(Greedy(ids, 1) with { PromptLogProbs = true });

        var events = await ReadAll(handle);

        float[] logits = Reference.Logits("hello");
        int v = model.Model.VocabSize;
        Assert.Equal(ids, handle.PromptLogProbs.Select(p => p.Id));
        Assert.Null(handle.PromptLogProbs[0].LogProb);
        for (int i = 1; i < ids.Length; i++)
            Assert.Equal(Reference.LogSoftmax(logits.AsSpan((i - 1) * v, v), ids[i]), handle.PromptLogProbs[i].LogProb!.Value, 2e-3);
        // The first generated token's log-probability comes from the last prompt position.
        Assert.Equal(Reference.LogSoftmax(logits.AsSpan((ids.Length - 1) * v, v), events[0].Id), events[0].LogProb, 2e-3);
    }

    [Fact]
    public async Task Submit_LongPrompt_EvaluatedInChunksWhileOthersKeepStreaming()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 2, PrefillChunk = 64 });
        var running = scheduler.Submit(Greedy(Reference.Prompt("hello").Ids, 16));
        var (_, longIds) = Reference.Prompt("long");
        var handle = scheduler.Submit(Greedy(longIds, 8));

        var longEvents = await ReadAll(handle);
        await ReadAll(running);

        Assert.Equal(Reference.Greedy("long")[..8], longEvents.Select(e => e.Id));
    }

    [Fact]
    public async Task Cancel_RunningSequence_FreesSlotWithinOneStep()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1, StepDelay = TimeSpan.FromMilliseconds(20) });
        using var cts = new CancellationTokenSource();
        var handle = scheduler.Submit(Greedy(Reference.Prompt("hello").Ids, 400), cts.Token);
        await handle.Events.ReadAsync(TestContext.Current.CancellationToken);

        cts.Cancel();
        long stepsAtCancel = scheduler.Steps;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ReadAll(handle));

        Assert.Equal(0, scheduler.Running);
        Assert.InRange(scheduler.Steps - stepsAtCancel, 0, 1);
        Assert.True(handle.GeneratedTokens < 400);
    }

    [Fact]
    public async Task Submit_QueueFull_RefusedAtOnce()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1, QueueLimit = 1, StepDelay = TimeSpan.FromMilliseconds(20) });
        using var cts = new CancellationTokenSource();
        int[] prompt = Reference.Prompt("hello").Ids;
        var running = scheduler.Submit(Greedy(prompt, 400), cts.Token);
        await running.Events.ReadAsync(TestContext.Current.CancellationToken);
        var waiting = scheduler.Submit(Greedy(prompt, 2), cts.Token);

        var refused = Assert.Throws<QueueFullException>(() => scheduler.Submit(Greedy(prompt, 2)));

        Assert.Equal(1, refused.Limit);
        Assert.Equal(1, scheduler.Queued);
        cts.Cancel();
    }

    [Fact]
    public void Submit_PromptFillsSlot_ThrowsContextOverflow()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1, SlotCapacity = 16 });

        Assert.Throws<Engine.Inference.ContextOverflowException>(() => scheduler.Submit(Greedy([.. Enumerable.Repeat(589, 16)], 4)));
    }

    [Fact]
    public async Task Submit_SlotCapacityReached_FinishesWithContextFull()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 1, SlotCapacity = 10 });
        var (_, ids) = Reference.Prompt("hello");

        var events = await ReadAll(scheduler.Submit(Greedy(ids, 100)));

        Assert.Equal(10 - ids.Length, events.Count);
        Assert.Equal(FinishReason.ContextFull, events[^1].Finish);
        Assert.Equal(Reference.Greedy("hello")[..events.Count], events.Select(e => e.Id));
    }

    [Fact]
    public async Task Submit_StopTokenAndStopString_EndTheSequence()
    {
        var model = TinyModel.Shared;
        using var scheduler = new BatchScheduler(model.Model, model.Text.Tokenizer, new SchedulerOptions { Slots = 2 });
        int[] greedy = Reference.Greedy("hello");
        int[] prompt = Reference.Prompt("hello").Ids;
        string thirdTokenText = model.Text.Tokenizer.Decode([greedy[2]]);

        var byId = scheduler.Submit(Greedy(prompt, 32) with { StopTokenIds = [greedy[2]] });
        var byText = scheduler.Submit(Greedy(prompt, 32) with { StopStrings = [thirdTokenText] });
        var idEvents = await ReadAll(byId);
        var textEvents = await ReadAll(byText);

        Assert.Equal(greedy[..3], idEvents.Select(e => e.Id));
        Assert.True(idEvents[^1].IsStopToken);
        Assert.Equal(FinishReason.EndOfSequence, idEvents[^1].Finish);
        Assert.Equal(FinishReason.StopString, textEvents[^1].Finish);
        Assert.Equal(model.Text.Tokenizer.Decode(greedy.AsSpan(0, 2), skipSpecialTokens: true), string.Concat(textEvents.Select(e => e.Text)));
    }
}
