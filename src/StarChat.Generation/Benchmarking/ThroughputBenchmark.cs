using System.Diagnostics;
using StarChat.Engine.Inference;

namespace StarChat.Generation.Benchmarking;

/// <summary>One llama-bench-style test result: tokens per second of each repetition.</summary>
/// <param name="Name"><c>pp128</c>, <c>tg32</c>.</param>
/// <param name="PromptTokens"><c>n_prompt</c>.</param>
/// <param name="GeneratedTokens"><c>n_gen</c>.</param>
/// <param name="Threads"><c>n_threads</c>.</param>
/// <param name="SamplesTs">Tokens/s of each repetition (<c>samples_ts</c>).</param>
public sealed record ThroughputResult(string Name, int PromptTokens, int GeneratedTokens, int Threads, IReadOnlyList<double> SamplesTs)
{
    /// <summary>Mean tokens/s (<c>avg_ts</c>).</summary>
    public double Average => SamplesTs.Average();

    /// <summary>Sample standard deviation (<c>stddev_ts</c>).</summary>
    public double StdDev => SamplesTs.Count < 2 ? 0 : Math.Sqrt(SamplesTs.Sum(s => (s - Average) * (s - Average)) / (SamplesTs.Count - 1));

    /// <summary>Median tokens/s.</summary>
    public double Median
    {
        get
        {
            var sorted = SamplesTs.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}

/// <summary>
/// The two measurements llama-bench makes, with the same meaning so the numbers compare directly: <c>ppN</c> is one
/// batched pass over an N-token prompt from an empty cache; <c>tgN</c> generates N tokens one at a time from an empty
/// cache (the model's own sampling cost excluded, as in llama-bench). One untimed warm-up run precedes each test.
/// </summary>
public static class ThroughputBenchmark
{
    /// <summary>Prompt processing: <paramref name="tokens"/> tokens in one batch, <paramref name="repetitions"/> times.</summary>
    public static ThroughputResult Prompt(ILanguageModel model, int tokens, int repetitions, int threads)
    {
        var ids = RandomTokens(model.VocabSize, tokens, seed: 1);
        var logits = new float[model.VocabSize];
        Run(() => Once(model, ids, logits));
        var samples = new List<double>();
        for (int r = 0; r < repetitions; r++)
            samples.Add(tokens / Run(() => Once(model, ids, logits)).TotalSeconds);
        return new ThroughputResult($"pp{tokens}", tokens, 0, threads, samples);

        static void Once(ILanguageModel model, int[] ids, float[] logits)
        {
            using var session = model.CreateSession(ids.Length);
            session.Append(ids, logits);
        }
    }

    /// <summary>Generation: <paramref name="tokens"/> single-token steps, <paramref name="repetitions"/> times.</summary>
    public static ThroughputResult Generation(ILanguageModel model, int tokens, int repetitions, int threads)
    {
        var ids = RandomTokens(model.VocabSize, tokens, seed: 2);
        var logits = new float[model.VocabSize];
        Run(() => Once(model, ids, logits));
        var samples = new List<double>();
        for (int r = 0; r < repetitions; r++)
            samples.Add(tokens / Run(() => Once(model, ids, logits)).TotalSeconds);
        return new ThroughputResult($"tg{tokens}", 0, tokens, threads, samples);

        static void Once(ILanguageModel model, int[] ids, float[] logits)
        {
            using var session = model.CreateSession(ids.Length);
            foreach (int id in ids)
                session.Append([id], logits);
        }
    }

    private static TimeSpan Run(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }

    private static int[] RandomTokens(int vocab, int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(vocab))];
    }
}
