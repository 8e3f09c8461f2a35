using StarChat.Engine.Inference;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Engine;

/// <summary>
/// Per-sequence LoRA adapters (a named adapter, README-hf.md §4) in one <see cref="GptBigCodeModel.DecodeBatch"/>
/// pass: rows with the adapter must give <c>expected-hf.json</c>'s tiny-starchat-lora numbers and rows without it the
/// base model's (logits within 1e-4, 16 greedy ids exact, README-hf.md §7), and a mixed batch must equal the same
/// sequences decoded one at a time.
/// </summary>
public sealed class MixedAdapterBatchTests : IDisposable
{
    private const int Vocab = 49156;
    private readonly LocalModel _model = LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new ModelOptions
    {
        Threads = 2,
        Adapters = [new LoraAdapterOption(SharedPaths.Fixtures("tiny-starchat-lora"), 1f, "fixture")],
    });

    public void Dispose() => _model.Dispose();

    private IAdapterSession Session(int adapter)
    {
        var session = (IAdapterSession)_model.Model.CreateSession();
        session.Adapter = adapter;
        return session;
    }

    [Fact]
    public void NamedAdapter_IsSelectableAndNotAppliedToOtherSequences()
    {
        var selectable = Assert.Single(_model.SelectableAdapters);
        Assert.Equal(("fixture", 1), (selectable.Name, selectable.Id));
        foreach (var (name, adapter) in new[] { ("tiny-starchat/code", 0), ("tiny-starchat-lora/code", 1), ("tiny-starchat/chat", 0), ("tiny-starchat-lora/chat", 1) })
        {
            var c = HfFixtureCases.Get(name);
            using var session = Session(adapter);
            var logits = new float[c.Ids.Length * Vocab];
            session.Append(c.Ids, logits);
            HfCheckpointFixtureTests.AssertLogitsMatch(c, logits);
        }
    }

    [Fact]
    public void MixedBatch_GreedyOfEveryRow_EqualsItsReference()
    {
        // Rows interleave adapters (lora, base, lora, base) so the engine gets runs of one row each.
        string[] names = ["tiny-starchat-lora/code", "tiny-starchat/code", "tiny-starchat-lora/chat", "tiny-starchat/chat"];
        var cases = names.Select(HfFixtureCases.Get).ToArray();
        var sessions = cases.Select(c => Session(c.Adapter is null ? 0 : 1)).ToArray();
        var picked = cases.Select(_ => new List<int>()).ToArray();
        var row = new float[Vocab];
        for (int i = 0; i < cases.Length; i++)
        {
            sessions[i].Append(cases[i].Ids, row);
            picked[i].Add(ArgMax(row));
        }
        var logits = new float[cases.Length * Vocab];
        for (int step = 1; step < 16; step++)
        {
            _model.Model.DecodeBatch(sessions, [.. picked.Select(p => p[^1])], logits);
            for (int i = 0; i < cases.Length; i++)
                picked[i].Add(ArgMax(logits.AsSpan(i * Vocab, Vocab)));
        }
        for (int i = 0; i < cases.Length; i++)
            Assert.True(cases[i].GreedyIds.SequenceEqual(picked[i]), $"{names[i]}: [{string.Join(", ", picked[i])}] != reference [{string.Join(", ", cases[i].GreedyIds)}]");
        foreach (var s in sessions) s.Dispose();
    }

    [Fact]
    public void MixedBatch_Logits_EqualSingleSequenceDecodes()
    {
        var code = HfFixtureCases.Get("tiny-starchat/code");
        int[] adapters = [1, 0, 0, 1, 1];   // runs of one and two rows with each adapter
        int[] next = [203, 44, 1459, 81, 7656];
        var batched = adapters.Select(Session).ToArray();
        var single = adapters.Select(Session).ToArray();
        var row = new float[Vocab];
        foreach (var s in batched.Concat(single)) s.Append(code.Ids, row);

        var together = new float[adapters.Length * Vocab];
        _model.Model.DecodeBatch(batched, next, together);
        double worst = 0;
        for (int i = 0; i < adapters.Length; i++)
        {
            single[i].Append([next[i]], row);
            for (int v = 0; v < Vocab; v++)
                worst = Math.Max(worst, Math.Abs(row[v] - together[i * Vocab + v]));
        }
        // The same products over fewer or more rows: only the summation order of the matmul kernels may differ.
        Assert.True(worst <= 1e-5, $"max |batched − single| = {worst:E3}");
        foreach (var s in batched.Concat(single)) s.Dispose();
    }

    [Fact]
    public void RowsWithoutAdapter_BitIdenticalToAModelWithNoAdapterLoaded()
    {
        var c = HfFixtureCases.Get("tiny-starchat/chat");
        using var plain = LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new ModelOptions { Threads = 2 });
        float[] expected = new float[Vocab], mixed = new float[2 * Vocab];
        using (var session = plain.Model.CreateSession())
        {
            session.Append(c.Ids, expected);
            session.Append([203], expected);
        }
        var sessions = new[] { Session(1), Session(0) };
        foreach (var s in sessions) s.Append(c.Ids, new float[Vocab]);

        _model.Model.DecodeBatch(sessions, [203, 203], mixed);

        Assert.Equal(expected, mixed.AsSpan(Vocab, Vocab).ToArray());
        foreach (var s in sessions) s.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void DecodeOneToken_WithOrWithoutAdapter_AllocatesNothing(int adapter)
    {
        using var session = Session(adapter);
        var logits = new float[Vocab];
        session.Append([589, 1459], logits);
        // Warm-up: scratch buffers grow on first use, and tiered JIT recompiles hot methods (its call counting
        // allocates on the calling thread), so run well past its thresholds first.
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 60; i++)
                session.Append([81], logits);
            Thread.Sleep(200);
        }
        // This thread runs the forward pass (the matmul workers only take row ranges); other tests may run in
        // parallel, so the process-wide count would not do.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 32; i++)
            session.Append([7656], logits);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated over 32 decoded tokens");
    }

    [Fact]
    public void Adapter_ChangesOnlyOnEmptySession()
    {
        using var session = Session(1);
        session.Append([589], new float[Vocab]);
        Assert.Throws<InvalidOperationException>(() => session.Adapter = 0);
        session.Truncate(0);
        session.Adapter = 0;
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Adapter = 2);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
            if (row[i] > row[best]) best = i;
        return best;
    }
}
