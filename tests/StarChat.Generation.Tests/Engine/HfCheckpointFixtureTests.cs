using StarChat.Engine.Models.GptBigCode;
using StarChat.Formats;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Engine;

/// <summary>
/// Hugging Face-format quantized checkpoints and LoRA adapters against <c>expected-hf.json</c> (an independent
/// float64 re-implementation of transformers' GPTBigCode on the same dequantized weights). Tolerances from
/// README-hf.md §7: logits within 1e-4 absolute at every stored position, top-5 ids at the last position and all
/// 16 greedy ids exact.
/// </summary>
public class HfCheckpointFixtureTests
{
    private const int Vocab = 49156;
    private const double Tolerance = 1e-4;

    public static TheoryData<string> QuantizedCases() =>
        [.. HfFixtureCases.All.Where(c => c.Adapter is null && c.Model != "tiny-starchat").Select(c => c.Name)];

    /// <summary>The engine alone over a fixture folder (the GPTQ folders carry no tokenizer, README-hf.md §3).</summary>
    internal static (LoadedModel Files, GptBigCodeModel Model) OpenEngine(string folder)
    {
        var files = ModelFile.Open(SharedPaths.Fixtures(folder));
        return (files, GptBigCodeModel.Load(files.Weights, files.RequireConfig(), new ModelOptions { Threads = 2 }));
    }

    internal static float[] AllLogits(GptBigCodeModel model, int[] ids)
    {
        var logits = new float[ids.Length * Vocab];
        using var session = model.CreateSession();
        session.Append(ids, logits);
        return logits;
    }

    internal static void AssertLogitsMatch(HfFixtureCases.Case c, float[] logits)
    {
        var reference = HfFixtureCases.ReadLogits(c);
        double worst = 0;
        int worstAt = -1;
        for (int r = 0; r < c.Positions.Length; r++)
        {
            var ours = logits.AsSpan(c.Positions[r] * Vocab, Vocab);
            var theirs = reference.AsSpan(r * Vocab, Vocab);
            for (int i = 0; i < Vocab; i++)
            {
                double d = Math.Abs(ours[i] - theirs[i]);
                if (d > worst) (worst, worstAt) = (d, i);
            }
        }
        Assert.True(worst <= Tolerance, $"{c.Name}: max |Δlogit| = {worst:E3} at token {worstAt} > {Tolerance:E0}");
        var last = logits.AsSpan((c.Ids.Length - 1) * Vocab, Vocab).ToArray();
        int[] top5 = [.. Enumerable.Range(0, Vocab).OrderByDescending(i => last[i]).ThenBy(i => i).Take(5)];
        Assert.Equal(c.Top5LastIds, top5);
    }

    /// <summary>Argmax, lowest id on ties, no stop ids, 'count' new tokens (README-hf.md §1).</summary>
    internal static int[] Greedy(GptBigCodeModel model, int[] ids, int count)
    {
        using var session = model.CreateSession();
        var logits = new float[Vocab];
        session.Append(ids, logits);
        var picked = new int[count];
        for (int n = 0; n < count; n++)
        {
            int best = 0;
            for (int i = 1; i < Vocab; i++)
                if (logits[i] > logits[best]) best = i;
            picked[n] = best;
            if (n + 1 < count)
                session.Append([best], logits);
        }
        return picked;
    }

    [Theory]
    [MemberData(nameof(QuantizedCases))]
    public void Logits_QuantizedCheckpoint_MatchReferenceOnDequantizedWeights(string name)
    {
        var c = HfFixtureCases.Get(name);
        var (files, model) = OpenEngine(c.Model);
        using (files)
        using (model)
            AssertLogitsMatch(c, AllLogits(model, c.Ids));
    }

    [Theory]
    [MemberData(nameof(QuantizedCases))]
    public void Greedy_QuantizedCheckpoint_EqualsReference(string name)
    {
        var c = HfFixtureCases.Get(name);
        var (files, model) = OpenEngine(c.Model);
        using (files)
        using (model)
            Assert.Equal(c.GreedyIds, Greedy(model, c.Ids, c.GreedyIds.Length));
    }
}
