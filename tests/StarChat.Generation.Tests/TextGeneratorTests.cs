using StarChat.Engine.Inference;
using StarChat.Generation.Sampling;
using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Generation.Tests;

public class TextGeneratorTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> s_tokenizer = new(() =>
        ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(SharedPaths.Fixtures("tiny-starchat")).Definition));

    private static ByteLevelBpeTokenizer Tok => s_tokenizer.Value;

    private static (TextGenerator Generator, int[] Prompt) Setup(string continuation, int extraTokenAtEnd = -1, int context = 512)
    {
        int[] prompt = Tok.Encode("def print_hello");
        int[] script = Tok.Encode(continuation);
        if (extraTokenAtEnd >= 0) script = [.. script, extraTokenAtEnd];
        var model = new ScriptedModel(Tok.VocabSize, context, prompt.Length, script, fallback: 83);
        return (new TextGenerator(model, Tok), prompt);
    }

    [Fact]
    public void Stream_GreedyUntilStopToken_TextExcludesStopToken()
    {
        var (generator, prompt) = Setup("():\n    print('hi')", extraTokenAtEnd: 49155);
        var steps = generator.Stream(new GenerationRequest { PromptIds = prompt, Sampling = SamplingOptions.Greedy, StopTokenIds = [49155, 0] }).ToList();
        Assert.Equal("():\n    print('hi')", string.Concat(steps.Select(s => s.Text)));
        Assert.Equal(FinishReason.EndOfSequence, steps[^1].Finish);
        Assert.True(steps[^1].IsStopToken);
        Assert.Equal(49155, steps[^1].TokenId);
        Assert.All(steps[..^1], s => Assert.Null(s.Finish));
    }

    [Fact]
    public void Stream_MaxNewTokens_FinishesWithLength()
    {
        var (generator, prompt) = Setup("a b c d e f g");
        var steps = generator.Stream(new GenerationRequest { PromptIds = prompt, Sampling = SamplingOptions.Greedy with { MaxNewTokens = 3 } }).ToList();
        Assert.Equal(3, steps.Count(s => s.TokenId >= 0));
        Assert.Equal(FinishReason.Length, steps[^1].Finish);
        Assert.Equal("a b c", string.Concat(steps.Select(s => s.Text)));
    }

    [Fact]
    public void Stream_StopString_CutsTextBeforeIt()
    {
        var (generator, prompt) = Setup("x = 1\nHuman: more text");
        var steps = generator.Stream(new GenerationRequest
        {
            PromptIds = prompt, Sampling = SamplingOptions.Greedy, StopStrings = ["\nHuman:"],
        }).ToList();
        Assert.Equal("x = 1", string.Concat(steps.Select(s => s.Text)));
        Assert.Equal(FinishReason.StopString, steps[^1].Finish);
    }

    [Fact]
    public void Stream_EmojiAcrossTokens_NeverEmitsHalfACharacter()
    {
        var (generator, prompt) = Setup("ok 😀👍🏽 done");
        var texts = generator.Stream(new GenerationRequest { PromptIds = prompt, Sampling = SamplingOptions.Greedy with { MaxNewTokens = 12 } })
            .Select(s => s.Text).ToList();
        Assert.All(texts, t => Assert.DoesNotContain('\uFFFD', t));
        Assert.StartsWith("ok 😀👍🏽 done", string.Concat(texts), StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_ContextFills_FinishesWithContextFull()
    {
        int[] prompt = Tok.Encode("def print_hello");
        var model = new ScriptedModel(Tok.VocabSize, prompt.Length + 3, prompt.Length, Tok.Encode(" a b c d e"));
        var steps = new TextGenerator(model, Tok).Stream(new GenerationRequest { PromptIds = prompt, Sampling = SamplingOptions.Greedy }).ToList();
        Assert.Equal(FinishReason.ContextFull, steps[^1].Finish);
        Assert.Equal(3, steps.Count);
    }

    [Fact]
    public void Stream_PromptTooLong_ThrowsBeforeRunning()
    {
        var model = new ScriptedModel(Tok.VocabSize, 4, 4, []);
        var e = Assert.Throws<ContextOverflowException>(() => new TextGenerator(model, Tok).Stream(new GenerationRequest { PromptIds = [1, 2, 3, 4] }));
        Assert.Equal(4, e.Capacity);
        Assert.Equal(0, model.Sessions);
    }

    [Fact]
    public void Stream_EmptyPrompt_IsRejected()
    {
        var model = new ScriptedModel(Tok.VocabSize, 16, 0, []);
        Assert.Throws<ArgumentException>(() => new TextGenerator(model, Tok).Stream(new GenerationRequest { PromptIds = [] }));
    }

    [Fact]
    public void Stream_TopLogProbs_AreSortedAndIncludeChosen()
    {
        var (generator, prompt) = Setup("abc");
        var step = generator.Stream(new GenerationRequest { PromptIds = prompt, Sampling = SamplingOptions.Greedy, TopLogProbs = 3 }).First();
        Assert.Equal(3, step.TopLogProbs.Count);
        Assert.Equal(step.TokenId, step.TopLogProbs[0].Id);
        Assert.Equal(step.LogProb, step.TopLogProbs[0].LogProb);
        Assert.True(step.TopLogProbs[0].LogProb >= step.TopLogProbs[1].LogProb && step.TopLogProbs[1].LogProb >= step.TopLogProbs[2].LogProb);
        Assert.True(step.LogProb < 0);
    }

    [Fact]
    public void LogProbs_MatchDirectComputation()
    {
        float[] logits = [1f, 2f, 3f, 0.5f];
        var (lp, top) = TextGenerator.LogProbs(logits, 1, 2);
        double z = Math.Log(logits.Sum(l => Math.Exp(l)));
        Assert.Equal(2 - z, lp, 5);
        Assert.Equal([2, 1], top.Select(t => t.Id));
    }
}
