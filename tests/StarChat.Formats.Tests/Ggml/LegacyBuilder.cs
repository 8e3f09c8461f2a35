using System.Runtime.InteropServices;
using System.Text;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.Tests.Ggml;

/// <summary>Writes legacy GGML starcoder files by hand (formats.md §8.1, §8.4): header, vocabulary, tensor records.</summary>
internal sealed class LegacyBuilder
{
    public int VocabSize = 4, Context = 8, Embd = 8, Heads = 2, Layers = 1, FType;
    public int? VocabAgain;
    public List<(string Name, uint Type, long[] Ne, byte[] Data)> Tensors = [];
    public List<byte[]> Vocabulary = [];

    /// <summary>A complete F32 model with K/V tiled per head as the converter writes it.</summary>
    public static LegacyBuilder TinyModel(bool withLmHead = true)
    {
        var b = new LegacyBuilder();
        b.Vocabulary = [.. new[] { "<|endoftext|>", "a", " b", "<|end|>" }.Select(Encoding.UTF8.GetBytes)];
        int d = b.Embd, f = 4 * d, headDim = d / b.Heads;
        var rng = new Random(7);
        b.Add("model/wte", d, b.VocabSize);
        b.Add("model/wpe", d, b.Context);
        b.Add("model/h0/ln_1/g", d);
        b.Add("model/h0/ln_1/b", d);
        // c_attn: Q (d rows), then the K head (headDim rows) tiled Heads times, then V likewise; rows of d floats.
        var q = Floats(rng, d * d);
        var k = Floats(rng, headDim * d);
        var v = Floats(rng, headDim * d);
        var tiled = q.Concat(Enumerable.Repeat(k, b.Heads).SelectMany(x => x)).Concat(Enumerable.Repeat(v, b.Heads).SelectMany(x => x)).ToArray();
        b.Tensors.Add(("model/h0/attn/c_attn/w", 0, [d, 3 * d], Bytes(tiled)));
        var bq = Floats(rng, d);
        var bk = Floats(rng, headDim);
        var bv = Floats(rng, headDim);
        b.Tensors.Add(("model/h0/attn/c_attn/b", 0, [3 * d], Bytes([.. bq, .. bk, .. bk, .. bv, .. bv])));
        b.Add("model/h0/attn/c_proj/w", d, d);
        b.Add("model/h0/attn/c_proj/b", d);
        b.Add("model/h0/ln_2/g", d);
        b.Add("model/h0/ln_2/b", d);
        b.Add("model/h0/mlp/c_fc/w", d, f);
        b.Add("model/h0/mlp/c_fc/b", f);
        b.Add("model/h0/mlp/c_proj/w", f, d);
        b.Add("model/h0/mlp/c_proj/b", d);
        b.Add("model/ln_f/g", d);
        b.Add("model/ln_f/b", d);
        if (withLmHead)
            b.Tensors.Add(("model/lm_head", 0, [d, b.VocabSize], b.Tensors[0].Data));
        return b;

        static float[] Floats(Random rng, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble())];
    }

    public static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public void Add(string name, params long[] ne)
    {
        long n = ne.Aggregate(1L, (a, x) => a * x);
        Tensors.Add((name, (uint)TensorType.F32, ne, Bytes([.. Enumerable.Range(0, (int)n).Select(i => (float)(i % 13) / 13f + name.Length)])));
    }

    public byte[] Build()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(0x67676d6cu);
        foreach (int v in new[] { VocabSize, Context, Embd, Heads, Layers, FType, VocabAgain ?? VocabSize })
            w.Write(v);
        foreach (var token in Vocabulary)
        {
            w.Write((uint)token.Length);
            w.Write(token);
        }
        foreach (var (name, type, ne, data) in Tensors)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            w.Write(ne.Length);
            w.Write(nameBytes.Length);
            w.Write((int)type);
            foreach (long n in ne)
                w.Write((int)n);
            w.Write(nameBytes);
            w.Write(data);
        }
        w.Flush();
        return ms.ToArray();
    }
}
