using System.Numerics;
using System.Runtime.InteropServices;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;
using StarChat.Training.Model;

namespace StarChat.Training.Tests;

/// <summary>
/// A small random GPTBigCode (D 8, 2 heads of 4, 2 layers, F 12, V 11, P 16) for finite-difference checks: every
/// tensor drawn from N(0, 0.5²) with a fixed seed, LayerNorm gains around 1.
/// </summary>
internal static class TinyRandomModel
{
    public static readonly GptBigCodeConfig Config = new()
    {
        VocabSize = 11, ContextLength = 16, EmbeddingSize = 8, LayerCount = 2, HeadCount = 2, FeedForwardSize = 12,
    };

    public static GptBigCodeParameters<T> Create<T>(int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var source = new RandomSource(Config, seed);
        return GptBigCodeParameters.Load<T>(source, Config);
    }

    /// <summary>Two sequences (lengths 7 and 5) with a masked span, as a prepared dialogue would have.</summary>
    public static TrainingBatch Batch(int seed)
    {
        var random = new Random(seed);
        int[] a = [.. Enumerable.Range(0, 7).Select(_ => random.Next(Config.VocabSize))];
        int[] b = [.. Enumerable.Range(0, 5).Select(_ => random.Next(Config.VocabSize))];
        int[] la = [a[0], -100, -100, a[3], a[4], a[5], a[6]];
        int[] lb = [b[0], b[1], -100, b[3], b[4]];
        return TrainingBatch.Create([(a, la), (b, lb)], Config.VocabSize, Config.ContextLength);
    }

    private sealed class RandomSource : IWeightSource
    {
        private readonly Dictionary<string, TensorView> _views = [];
        private readonly List<GCHandle> _pins = [];

        public RandomSource(GptBigCodeConfig c, int seed)
        {
            var random = new Random(seed);
            int d = c.EmbeddingSize, f = c.FeedForwardSize;
            Add("transformer.wte.weight", random, 0, c.VocabSize, d);
            Add("transformer.wpe.weight", random, 0, c.ContextLength, d);
            for (int i = 0; i < c.LayerCount; i++)
            {
                string p = $"transformer.h.{i}.";
                Add(p + "ln_1.weight", random, 1, d);
                Add(p + "ln_1.bias", random, 0, d);
                Add(p + "attn.c_attn.weight", random, 0, c.QkvSize, d);
                Add(p + "attn.c_attn.bias", random, 0, c.QkvSize);
                Add(p + "attn.c_proj.weight", random, 0, d, d);
                Add(p + "attn.c_proj.bias", random, 0, d);
                Add(p + "ln_2.weight", random, 1, d);
                Add(p + "ln_2.bias", random, 0, d);
                Add(p + "mlp.c_fc.weight", random, 0, f, d);
                Add(p + "mlp.c_fc.bias", random, 0, f);
                Add(p + "mlp.c_proj.weight", random, 0, d, f);
                Add(p + "mlp.c_proj.bias", random, 0, d);
            }
            Add("transformer.ln_f.weight", random, 1, d);
            Add("transformer.ln_f.bias", random, 0, d);
        }

        public string Origin => "random";

        public IReadOnlyCollection<string> Names => _views.Keys;

        public bool Contains(string name) => _views.ContainsKey(name);

        public TensorView Get(string name) => _views.TryGetValue(name, out var v) ? v : throw new MissingWeightException(Origin, name);

        public void Dispose()
        {
            foreach (var pin in _pins)
                pin.Free();
        }

        private void Add(string name, Random random, float mean, params long[] dims)
        {
            var shape = new TensorShape(dims);
            var values = new float[shape.ElementCount];
            for (int i = 0; i < values.Length; i++)
                values[i] = mean + 0.5f * (float)Gaussian(random);
            var pin = GCHandle.Alloc(values, GCHandleType.Pinned);
            _pins.Add(pin);
            _views[name] = new TensorView(name, TensorType.F32, shape, pin.AddrOfPinnedObject(), values.Length * 4L);
        }

        private static double Gaussian(Random random)
            => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
