using StarChat.Generation.Sampling;

namespace StarChat.Generation.Tests.Sampling;

/// <summary>Each processor against distributions worked out by hand from Hugging Face's definitions.</summary>
public class LogitsProcessorTests
{
    private const float Inf = float.NegativeInfinity;

    /// <summary>Scores whose softmax is exactly [0.5, 0.3, 0.15, 0.05].</summary>
    private static float[] Quarter() => [MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f)];

    private static float[] Run(ILogitsProcessor p, float[] scores, params int[] context)
    {
        p.Apply(scores, context);
        return scores;
    }

    [Fact]
    public void RepetitionPenalty_DividesPositiveMultipliesNegative_EachIdOnce()
    {
        var result = Run(new RepetitionPenalty(2f), [2f, -1f, 0.5f, 3f], 0, 1, 1);
        Assert.Equal([1f, -2f, 0.5f, 3f], result);
    }

    [Fact]
    public void Temperature_DividesScores()
    {
        Assert.Equal([4f, -2f, 0f], Run(new Temperature(0.5f), [2f, -1f, 0f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Temperature(0f));
    }

    [Theory]
    [InlineData(2, new[] { Inf, 3f, 3f, Inf })]        // the 2nd largest is 3: both 3s survive
    [InlineData(3, new[] { Inf, 3f, 3f, 2f })]
    [InlineData(1, new[] { Inf, 3f, 3f, Inf })]        // ties at the boundary survive even for k = 1
    [InlineData(10, new[] { 1f, 3f, 3f, 2f })]
    public void TopK_KeepsScoresAtLeastKthLargest(int k, float[] expected)
    {
        Assert.Equal(expected, Run(new TopK(k), [1f, 3f, 3f, 2f]));
    }

    [Fact]
    public void TopP_KeepsSmallestSetReachingP()
    {
        // Ascending: 0.05, 0.15, 0.3, 0.5; cumulative 0.05, 0.2, 0.5, 1. Remove cumulative ≤ 1 - 0.75 = 0.25.
        var s = Run(new TopP(0.75f), Quarter());
        Assert.Equal([false, false, true, true], s.Select(float.IsNegativeInfinity));
        // p = 0.9: remove cumulative ≤ 0.1 → only the 0.05 token.
        s = Run(new TopP(0.9f), Quarter());
        Assert.Equal([false, false, false, true], s.Select(float.IsNegativeInfinity));
        // p tiny: only the most likely survives (min_tokens_to_keep = 1).
        s = Run(new TopP(0.01f), Quarter());
        Assert.Equal([false, true, true, true], s.Select(float.IsNegativeInfinity));
    }

    [Fact]
    public void MinP_RemovesBelowFractionOfTopProbability()
    {
        // Threshold 0.5 × 0.5 = 0.25: keep 0.5 and 0.3.
        var s = Run(new MinP(0.5f), Quarter());
        Assert.Equal([false, false, true, true], s.Select(float.IsNegativeInfinity));
        s = Run(new MinP(0.99f), Quarter());
        Assert.Equal([false, true, true, true], s.Select(float.IsNegativeInfinity));
    }

    [Fact]
    public void TypicalP_KeepsTokensClosestToEntropy()
    {
        // H = 1.1421; |−log p − H| = 0.449, 0.062, 0.755, 1.854 → order: token 1 (0.3), token 0 (0.5), 2, 3.
        // mass 0.5: cumulative 0.3 < 0.5 then 0.8 → cut at token 0 → keep tokens 0 and 1.
        var s = Run(new TypicalP(0.5f), Quarter());
        Assert.Equal([false, false, true, true], s.Select(float.IsNegativeInfinity));
        // mass 0.2: cut at the first → only token 1 — not the most likely one.
        s = Run(new TypicalP(0.2f), Quarter());
        Assert.Equal([true, false, true, true], s.Select(float.IsNegativeInfinity));
        // mass 0.9: 0.3, 0.8 < 0.9, then 0.95 → keep 1, 0, 2.
        s = Run(new TypicalP(0.9f), Quarter());
        Assert.Equal([false, false, false, true], s.Select(float.IsNegativeInfinity));
    }

    [Fact]
    public void MinNewTokens_SuppressesEosUntilEnoughGenerated()
    {
        var p = new MinNewTokens(2, promptLength: 3, eosTokenIds: [0, 3]);
        var s = Run(p, [1f, 1f, 1f, 1f], 5, 6, 7, 8);           // one generated
        Assert.Equal([Inf, 1f, 1f, Inf], s);
        s = Run(p, [1f, 1f, 1f, 1f], 5, 6, 7, 8, 9);            // two generated
        Assert.Equal([1f, 1f, 1f, 1f], s);
    }

    [Fact]
    public void Sampler_BuildsProcessorsInHuggingFaceOrder()
    {
        var sampler = new TokenSampler(new SamplingOptions
        {
            DoSample = true, Temperature = 0.7f, TopK = 5, TopP = 0.9f, MinP = 0.1f, TypicalP = 0.95f,
            RepetitionPenalty = 1.2f, MinNewTokens = 3,
        }, promptLength: 0, eosTokenIds: [0]);
        Assert.Equal(
            [typeof(RepetitionPenalty), typeof(MinNewTokens), typeof(Temperature), typeof(TopK), typeof(TopP), typeof(MinP), typeof(TypicalP)],
            sampler.Processors.Select(p => p.GetType()));
    }

    [Fact]
    public void Sampler_TemperatureBeforeTopP_ActsOnSharpenedDistribution()
    {
        // Unsharpened, top-p 0.75 keeps two tokens; at T = 0.5 the probabilities are ∝ p², so 0.5 alone has
        // 0.25/0.3654 = 0.68 < 0.75 and 0.3 joins: still two. At T = 0.25 (∝ p⁴): 0.0625/0.0707 = 0.88 ≥ 0.75 → one.
        var sampler = new TokenSampler(new SamplingOptions { DoSample = true, Temperature = 0.25f, TopP = 0.75f, Seed = 1 }, 0, []);
        for (int i = 0; i < 50; i++)
            Assert.Equal(0, sampler.Next(Quarter(), [], out _));
    }

    [Fact]
    public void Greedy_TiesGoToLowestId_AndWarpersAreSkipped()
    {
        var sampler = new TokenSampler(SamplingOptions.Greedy with { TopK = 1, Temperature = 5f }, 0, []);
        Assert.False(sampler.IsSampling);
        Assert.Empty(sampler.Processors);
        Assert.Equal(1, sampler.Next([0f, 2f, 2f, 1f], [], out _));
    }

    [Fact]
    public void Sampling_TemperatureZero_IsGreedy()
    {
        var sampler = new TokenSampler(new SamplingOptions { DoSample = true, Temperature = 0f }, 0, []);
        Assert.False(sampler.IsSampling);
    }

    [Theory]
    [InlineData("top_p", 1.5f)]
    [InlineData("temperature", -1f)]
    [InlineData("repetition_penalty", 0f)]
    public void Options_OutOfRange_NameTheParameter(string name, float value)
    {
        var options = name switch
        {
            "top_p" => new SamplingOptions { TopP = value },
            "temperature" => new SamplingOptions { Temperature = value },
            _ => new SamplingOptions { RepetitionPenalty = value },
        };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }
}
