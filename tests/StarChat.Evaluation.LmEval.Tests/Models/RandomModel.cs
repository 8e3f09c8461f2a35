using System.Runtime.InteropServices;
using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Tensors;

namespace StarChat.Evaluation.LmEval.Tests.Models;

/// <summary>
/// TEST/BENCH HELPER: GPTBigCode weights of a given shape filled with small random values (seeded), to time a
/// StarCoderBase-1B-shaped model without its checkpoint.
/// </summary>
internal static class RandomModel
{
    /// <summary>StarCoderBase-1B's shapes.</summary>
    public static GptBigCodeConfig StarCoderBase1B { get; } = new()
    {
        VocabSize = 49152,
        ContextLength = 8192,
        EmbeddingSize = 2048,
        LayerCount = 24,
        HeadCount = 16,
        FeedForwardSize = 8192,
    };

    /// <summary>Random weights of <paramref name="config"/>'s shapes; matrices in <paramref name="matrixType"/> (F32 or F16).</summary>
    public static (NativeWeightSource Source, GptBigCodeWeights Weights) Create(GptBigCodeConfig config, TensorType matrixType, int seed = 1)
    {
        var rng = new Random(seed);
        var source = new NativeWeightSource($"random {config.LayerCount}-layer GPTBigCode");
        int d = config.EmbeddingSize, f = config.FeedForwardSize, qkv = config.QkvSize;
        Matrix(source, rng, "transformer.wte.weight", matrixType, config.VocabSize, d);
        Matrix(source, rng, "transformer.wpe.weight", matrixType, config.ContextLength, d);
        for (int i = 0; i < config.LayerCount; i++)
        {
            string p = $"transformer.h.{i}.";
            Vector(source, p + "ln_1.weight", d, 1f);
            Vector(source, p + "ln_1.bias", d, 0f);
            Matrix(source, rng, p + "attn.c_attn.weight", matrixType, qkv, d);
            Vector(source, p + "attn.c_attn.bias", qkv, 0f);
            Matrix(source, rng, p + "attn.c_proj.weight", matrixType, d, d);
            Vector(source, p + "attn.c_proj.bias", d, 0f);
            Vector(source, p + "ln_2.weight", d, 1f);
            Vector(source, p + "ln_2.bias", d, 0f);
            Matrix(source, rng, p + "mlp.c_fc.weight", matrixType, f, d);
            Vector(source, p + "mlp.c_fc.bias", f, 0f);
            Matrix(source, rng, p + "mlp.c_proj.weight", matrixType, d, f);
            Vector(source, p + "mlp.c_proj.bias", d, 0f);
        }
        Vector(source, "transformer.ln_f.weight", d, 1f);
        Vector(source, "transformer.ln_f.bias", d, 0f);
        return (source, GptBigCodeWeights.Load(source, config));
    }

    private static void Vector(NativeWeightSource source, string name, int length, float value)
        => MemoryMarshal.Cast<byte, float>(source.Add(name, TensorType.F32, length)).Fill(value);

    private static void Matrix(NativeWeightSource source, Random rng, string name, TensorType type, long rows, long columns)
    {
        var bytes = source.Add(name, type, rows, columns);
        // One random row pattern per tensor, shifted per row: filling 1B values one by one would take minutes.
        var pattern = new float[columns + 257];
        for (int i = 0; i < pattern.Length; i++)
            pattern[i] = (float)(rng.NextDouble() - 0.5) * 0.04f;
        for (long r = 0; r < rows; r++)
        {
            var row = pattern.AsSpan((int)(r % 257), (int)columns);
            if (type == TensorType.F32)
            {
                row.CopyTo(MemoryMarshal.Cast<byte, float>(bytes.Slice((int)(r * columns * 4), (int)(columns * 4))));
            }
            else
            {
                var halves = MemoryMarshal.Cast<byte, Half>(bytes.Slice((int)(r * columns * 2), (int)(columns * 2)));
                for (int i = 0; i < halves.Length; i++) halves[i] = (Half)row[i];
            }
        }
    }
}
