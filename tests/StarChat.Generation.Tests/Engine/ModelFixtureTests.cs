using StarChat.Engine.Kernels;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Generation.Sampling;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Engine;

/// <summary>
/// Every fixture model file against the independent references in <c>expected.json</c>: the float64 numpy
/// re-implementation of Hugging Face GPTBigCode on the same (dequantized) weights (tight), and llama.cpp / the 2023
/// ggml example (loose: they round activations to f16 or 8 bits). Tolerances from fixtures/README.md §8.
/// </summary>
public class ModelFixtureTests
{
    private const int Vocab = 49156;

    public static TheoryData<string> NumpyModels() => [.. FixtureCases.Shipped("numpy").Select(c => c.Model).Distinct()];

    public static TheoryData<string> LlamaCppModels() => [.. FixtureCases.Shipped("llama.cpp").Concat(FixtureCases.Shipped("ggml")).Select(c => c.Model).Distinct()];

    /// <summary>Numpy on the same weights: 1e-3 for float files, 2e-3 for quantized ones (README §8).</summary>
    private static double TightTolerance(string model) => model.Contains(".q", StringComparison.Ordinal) ? 2e-3 : 1e-3;

    // The tight numpy rows and the dequantize-then-float llama.cpp row of README §8 are for float activations.
    private static readonly ModelOptions Exact = new() { Threads = 2, QuantizedMatMul = QuantizedMatMul.Exact };

    private static string PathOf(string model) => SharedPaths.Fixtures(model.Split('/'));

    private static float[] AllLogits(LocalModel model, int[] ids)
    {
        var logits = new float[ids.Length * Vocab];
        using var session = model.Model.CreateSession();
        session.Append(ids, logits);
        return logits;
    }

    [Theory]
    [MemberData(nameof(NumpyModels))]
    public void Logits_MatchNumpyOnSameWeights(string modelName)
    {
        double tolerance = TightTolerance(modelName);
        using var model = LocalModel.Load(PathOf(modelName), Exact);
        double worst = 0;
        foreach (var c in FixtureCases.Shipped("numpy").Where(c => c.Model == modelName))
        {
            var logits = AllLogits(model, c.Ids);
            foreach (var p in c.PerPosition)
            {
                var row = logits.AsSpan(p.Pos * Vocab, Vocab);
                for (int k = 0; k < 5; k++)
                    worst = Math.Max(worst, Math.Abs(row[p.Top5Ids[k]] - p.Top5Values[k]));
                worst = Math.Max(worst, Math.Abs(LogSumExp(row) - p.LogSumExp));
            }
            if (c.LogitsFile is not null)
            {
                var reference = FixtureCases.ReadLogits(c.LogitsFile);
                for (int r = 0; r < c.LogitsFilePositions.Length; r++)
                {
                    var ours = logits.AsSpan(c.LogitsFilePositions[r] * Vocab, Vocab);
                    var theirs = reference.AsSpan(r * Vocab, Vocab);
                    for (int i = 0; i < Vocab; i++)
                        worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]));
                }
            }
        }
        Assert.True(worst <= tolerance, $"{modelName}: max |Δlogit| vs numpy = {worst:E3} > {tolerance:E0}");
    }

    [Theory]
    [MemberData(nameof(NumpyModels))]
    public void Greedy_MatchesNumpyWhereMarginsAllow(string modelName)
    {
        double tolerance = TightTolerance(modelName);
        using var model = LocalModel.Load(PathOf(modelName), Exact);
        var generator = new TextGenerator(model.Model, model.Text.Tokenizer);
        foreach (var c in FixtureCases.Shipped("numpy").Where(c => c.Model == modelName))
        {
            // Plain argmax through <|endoftext|> and <|end|>, as the reference ran: no stop ids, no penalty.
            int[] ours = [.. generator.Stream(new GenerationRequest
            {
                PromptIds = c.Ids,
                Sampling = SamplingOptions.Greedy with { MaxNewTokens = c.GreedyIds.Length },
                SkipSpecialTokens = false,
            }).Where(s => s.TokenId >= 0).Select(s => s.TokenId)];
            int comparable = Array.FindIndex(c.GreedyMargins, m => m < 2 * tolerance);
            if (comparable < 0) comparable = c.GreedyIds.Length;
            else comparable++;       // the step with the small margin may differ; everything before must not
            comparable = Math.Min(comparable, c.GreedyIds.Length);
            Assert.True(c.GreedyIds.AsSpan(0, comparable).SequenceEqual(ours.AsSpan(0, comparable)),
                $"{modelName} / {c.Prompt}: greedy ids differ within the first {comparable} steps\n ref {string.Join(' ', c.GreedyIds)}\n our {string.Join(' ', ours)}");
        }
    }

    [Theory]
    [MemberData(nameof(LlamaCppModels))]
    public void Logits_AgreeWithLlamaCppAndGgmlWithinTheirRounding(string modelName)
    {
        bool quantized = modelName.Contains(".q", StringComparison.Ordinal);
        using var model = LocalModel.Load(PathOf(modelName), Exact);
        int positions = 0, top1 = 0;
        double worst = 0;
        foreach (var c in FixtureCases.Shipped("llama.cpp").Concat(FixtureCases.Shipped("ggml")).Where(c => c.Model == modelName))
        {
            var logits = AllLogits(model, c.Ids);
            foreach (var p in c.PerPosition)
            {
                var row = logits.AsSpan(p.Pos * Vocab, Vocab);
                positions++;
                if (ArgMax(row) == p.Top5Ids[0]) top1++;
                for (int k = 0; k < 5; k++)
                    worst = Math.Max(worst, Math.Abs(row[p.Top5Ids[k]] - p.Top5Values[k]));
            }
        }
        Assert.True(positions > 0);
        if (quantized)
        {
            // README §8: dequantize-then-float engines vs llama.cpp's 8-bit activations: top-1 at ≥ 85 %, max abs ≤ 2.
            Assert.True(top1 >= 0.85 * positions, $"{modelName}: top-1 agrees at {top1}/{positions} positions");
            Assert.True(worst <= 2, $"{modelName}: max |Δlogit| vs llama.cpp = {worst}");
        }
        else
        {
            // F16 files: llama.cpp rounds activations to f16 and uses an f16 GELU table: 6e-2.
            Assert.True(worst <= 6e-2, $"{modelName}: max |Δlogit| vs llama.cpp/ggml = {worst}");
            Assert.Equal(positions, top1);
        }
    }

    [Theory]
    [MemberData(nameof(QuantizedLlamaCppModels))]
    public void Logits_FastPathAgreesWithLlamaCppAndStaysNearNumpy(string modelName)
    {
        // README §8, row "engine quantizes activations like ggml": vs llama.cpp ≤ 1e-3 at ≥ 75 % of positions and max
        // abs ≤ 0.3 — for engines that also copy ggml's f16 GELU table. We keep the exact tanh GELU, so the per-position
        // 1e-3 share is not required here; max abs ≤ 0.3 and top-1 are; and vs numpy (same weights) max abs ≤ 2.
        using var model = LocalModel.Load(PathOf(modelName), new ModelOptions { Threads = 2, QuantizedMatMul = QuantizedMatMul.Fast });
        int positions = 0, top1 = 0;
        double worst = 0;
        foreach (var c in FixtureCases.Shipped("llama.cpp").Where(c => c.Model == modelName))
        {
            var logits = AllLogits(model, c.Ids);
            foreach (var p in c.PerPosition)
            {
                var row = logits.AsSpan(p.Pos * Vocab, Vocab);
                positions++;
                if (ArgMax(row) == p.Top5Ids[0]) top1++;
                for (int k = 0; k < 5; k++)
                    worst = Math.Max(worst, Math.Abs(row[p.Top5Ids[k]] - p.Top5Values[k]));
            }
        }
        Assert.True(positions > 0);
        Assert.True(worst <= 0.3, $"{modelName}: fast path max |Δlogit| vs llama.cpp = {worst}");
        Assert.True(top1 >= 0.85 * positions, $"{modelName}: fast path top-1 agrees with llama.cpp at {top1}/{positions} positions");

        double worstNumpy = 0;
        foreach (var c in FixtureCases.Shipped("numpy").Where(c => c.Model == modelName))
        {
            var logits = AllLogits(model, c.Ids);
            foreach (var p in c.PerPosition)
                for (int k = 0; k < 5; k++)
                    worstNumpy = Math.Max(worstNumpy, Math.Abs(logits[p.Pos * Vocab + p.Top5Ids[k]] - p.Top5Values[k]));
        }
        Assert.True(worstNumpy <= 2, $"{modelName}: fast path max |Δlogit| vs numpy = {worstNumpy}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{modelName}: fast vs llama.cpp max {worst:F4}, top-1 {top1}/{positions}; vs numpy max {worstNumpy:F4}");
    }

    public static TheoryData<string> QuantizedLlamaCppModels() => [.. FixtureCases.Shipped("llama.cpp").Select(c => c.Model).Where(m => m.Contains(".q", StringComparison.Ordinal)).Distinct()];

    [Fact]
    public void DecodeOneByOne_EqualsBatchedPrompt_AndF16CacheStaysClose()
    {
        using var model = LocalModel.Load(PathOf("tiny-starchat"), new ModelOptions { Threads = 2 });
        using var f16 = LocalModel.Load(PathOf("tiny-starchat"), new ModelOptions { Threads = 1, KvCache = KvCacheType.F16, MaxBatch = 3 });
        var c = FixtureCases.Shipped("numpy").First(c => c.Model == "tiny-starchat" && c.Prompt == "chat");
        var batched = AllLogits(model, c.Ids);
        using var s1 = model.Model.CreateSession();
        using var s2 = f16.Model.CreateSession();
        var one = new float[Vocab];
        var other = new float[Vocab];
        for (int i = 0; i < c.Ids.Length; i++)
        {
            s1.Append([c.Ids[i]], one);
            s2.Append([c.Ids[i]], other);
            for (int v = 0; v < Vocab; v++)
            {
                Assert.True(Math.Abs(one[v] - batched[i * Vocab + v]) < 1e-4, $"pos {i}: decode {one[v]} vs batch {batched[i * Vocab + v]}");
                Assert.True(Math.Abs(other[v] - batched[i * Vocab + v]) < 2e-2, $"pos {i}: f16 cache {other[v]} vs f32 {batched[i * Vocab + v]}");
            }
        }
    }

    [Fact]
    public void DecodeBatch_SeveralSequences_EqualsEachAlone()
    {
        using var model = LocalModel.Load(PathOf("gguf/tiny-starchat.q8_0.gguf"), new ModelOptions { Threads = 2 });
        var prompts = FixtureCases.Shipped("numpy").Where(c => c.Model == "tiny-starchat").Select(c => c.Ids).Take(3).ToArray();
        var sessions = prompts.Select(_ => model.Model.CreateSession()).ToArray();
        var last = new float[Vocab];
        for (int i = 0; i < prompts.Length; i++)
            sessions[i].Append(prompts[i].AsSpan(0, prompts[i].Length - 1), new float[Vocab]);
        var batchLogits = new float[prompts.Length * Vocab];
        model.Model.DecodeBatch(sessions, prompts.Select(p => p[^1]).ToArray(), batchLogits);
        for (int i = 0; i < prompts.Length; i++)
        {
            using var alone = model.Model.CreateSession();
            alone.Append(prompts[i], last);
            Assert.Equal(prompts[i].Length, sessions[i].Length);
            for (int v = 0; v < Vocab; v++)
                Assert.True(Math.Abs(last[v] - batchLogits[i * Vocab + v]) < 1e-4, $"sequence {i}, token {v}");
        }
        foreach (var s in sessions) s.Dispose();
    }

    private static double LogSumExp(ReadOnlySpan<float> row)
    {
        double max = double.NegativeInfinity;
        foreach (var v in row) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in row) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
