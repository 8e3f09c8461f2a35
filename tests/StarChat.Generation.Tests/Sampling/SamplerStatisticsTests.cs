using StarChat.Generation.Sampling;

namespace StarChat.Generation.Tests.Sampling;

/// <summary>The draw follows the processed distribution: many draws against the exact probabilities.</summary>
public class SamplerStatisticsTests
{
    [Fact]
    public void Draws_MatchProcessedDistribution()
    {
        // Logits → T = 0.8 → top-k 4 → top-p 0.9. Expected probabilities computed independently below.
        float[] logits = [2.0f, 1.5f, 1.0f, 0.2f, -0.5f, 3.0f, -2.0f];
        var options = new SamplingOptions { DoSample = true, Temperature = 0.8f, TopK = 4, TopP = 0.9f, Seed = 1234 };

        double[] scaled = [.. logits.Select(l => l / 0.8)];
        int[] top4 = [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => scaled[i]).Take(4)];
        double z = top4.Sum(i => Math.Exp(scaled[i]));
        var p4 = top4.ToDictionary(i => i, i => Math.Exp(scaled[i]) / z);
        // top-p over the 4: remove ascending-cumulative ≤ 0.1
        var ascending = p4.OrderBy(kv => kv.Value).ToList();
        double cum = 0;
        var kept = new List<int>();
        foreach (var (id, prob) in ascending)
        {
            cum += prob;
            if (cum > 0.1) kept.Add(id);
        }
        double zk = kept.Sum(i => p4[i]);
        var expected = kept.ToDictionary(i => i, i => p4[i] / zk);

        var sampler = new TokenSampler(options, 0, []);
        const int draws = 200_000;
        var counts = new int[logits.Length];
        for (int i = 0; i < draws; i++)
            counts[sampler.Next(logits, [], out float _)]++;

        for (int id = 0; id < logits.Length; id++)
        {
            double p = expected.GetValueOrDefault(id);
            double observed = counts[id] / (double)draws;
            double sigma = Math.Sqrt(Math.Max(p * (1 - p), 1e-12) / draws);
            Assert.True(Math.Abs(observed - p) <= 5 * sigma + 1e-9, $"token {id}: expected {p:F4}, observed {observed:F4}");
        }
    }

    [Fact]
    public void SameSeed_SameSequence_DifferentSeed_Differs()
    {
        float[] logits = [.. Enumerable.Range(0, 50).Select(i => (float)Math.Sin(i))];
        int[] Draw(int seed)
        {
            var s = new TokenSampler(new SamplingOptions { DoSample = true, Temperature = 1f, Seed = seed }, 0, []);
            return [.. Enumerable.Range(0, 40).Select(i => s.Next(logits, [], out _))];
        }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void LogProb_IsLogOfProcessedProbability()
    {
        var sampler = new TokenSampler(SamplingOptions.Greedy, 0, []);
        int id = sampler.Next([MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f)], [], out float logProb);
        Assert.Equal(0, id);
        Assert.Equal(Math.Log(0.5), logProb, 5);
    }
}
