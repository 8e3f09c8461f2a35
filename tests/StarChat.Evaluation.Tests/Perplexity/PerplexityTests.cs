using System.Text.Json;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Evaluation.Perplexity;
using StarChat.Generation;
using StarChat.Testing;

namespace StarChat.Evaluation.Tests.Perplexity;

/// <summary>llama-perplexity's protocol against fixtures/expected.json → perplexity (numpy and llama-perplexity values).</summary>
public class PerplexityTests
{
    private sealed record Entry(string Model, string Producer, string? Settings, int Context, double[] Chunks, double Final);

    private static readonly Lazy<Entry[]> s_entries = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json")));
        return [.. doc.RootElement.GetProperty("perplexity").EnumerateArray()
            .Where(e => e.GetProperty("model_shipped").GetBoolean())
            .Select(e => new Entry(e.GetProperty("model").GetString()!, e.GetProperty("producer").GetString()!,
                e.TryGetProperty("settings", out var s) ? s.GetString() : null, e.GetProperty("n_ctx").GetInt32(),
                [.. e.GetProperty("chunks").EnumerateArray().Select(c => c.GetDouble())], e.GetProperty("final").GetDouble()))];
    });

    public static TheoryData<string> Models() => [.. s_entries.Value.Select(e => e.Model).Distinct()];

    [Theory]
    [MemberData(nameof(Models))]
    public void NonOverlapping_MatchesNumpyAndLlamaPerplexity(string modelName)
    {
        using var model = LocalModel.Load(SharedPaths.Fixtures(modelName.Split('/')), new ModelOptions { Threads = 2, MaxBatch = 128 });
        int[] tokens = model.Text.Tokenizer.Encode(File.ReadAllText(SharedPaths.Fixtures("prompts", "perplexity.txt")), parseSpecialTokens: false);
        Assert.Equal(868, tokens.Length);
        var result = PerplexityEstimator.NonOverlapping(model.Model, tokens, 128);
        Assert.Equal(6 * 63, result.ScoredTokens);
        bool quantized = modelName.Contains(".q", StringComparison.Ordinal);
        foreach (var entry in s_entries.Value.Where(e => e.Model == modelName && (e.Producer == "numpy" || e.Settings == "f32-kv-no-fa")))
        {
            // README §8: numpy on the same weights 1e-3 relative; llama-perplexity (F32 K/V, no FA) 1e-3 for float
            // files, 3 % for quantized ones (it quantizes activations).
            double tolerance = entry.Producer == "numpy" || !quantized ? 1e-3 : 3e-2;
            Assert.Equal(entry.Chunks.Length, result.Chunks.Count);
            for (int i = 0; i < entry.Chunks.Length; i++)
                Assert.True(Math.Abs(result.Chunks[i] / entry.Chunks[i] - 1) <= tolerance,
                    $"{modelName} vs {entry.Producer}: chunk {i + 1}: {result.Chunks[i]} vs {entry.Chunks[i]}");
            Assert.True(Math.Abs(result.Final / entry.Final - 1) <= tolerance, $"{modelName} vs {entry.Producer}: final {result.Final} vs {entry.Final}");
        }
    }

    [Fact]
    public void Strided_WithStrideEqualToContext_ScoresEveryTokenButTheFirstOnce()
    {
        using var model = LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new ModelOptions { Threads = 2 });
        int[] tokens = model.Text.Tokenizer.Encode(File.ReadAllText(SharedPaths.Fixtures("prompts", "perplexity.txt")), parseSpecialTokens: false)[..300];
        var windows = PerplexityEstimator.Strided(model.Model, tokens, 128, 128);
        Assert.Equal(tokens.Length - 1 - 2, windows.ScoredTokens);   // windows start at 0, 128, 256: their first tokens are context only
        var overlapping = PerplexityEstimator.Strided(model.Model, tokens, 128, 64);
        Assert.Equal(tokens.Length - 1, overlapping.ScoredTokens);
        // With more context per scored token, the estimate changes but stays a finite, positive number.
        Assert.True(double.IsFinite(overlapping.Final) && overlapping.Final > 0);
    }

    [Fact]
    public void NonOverlapping_TextShorterThanOneChunk_SaysSo()
    {
        using var model = LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new ModelOptions { Threads = 1 });
        var e = Assert.Throws<ArgumentException>(() => PerplexityEstimator.NonOverlapping(model.Model, [1, 2, 3], 128));
        Assert.Contains("fewer than one chunk", e.Message, StringComparison.Ordinal);
    }
}
