using StarChat.Engine.Models.GptBigCode;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tokenizers;

namespace StarChat.Generation.Synthetic;

/// <summary>
/// Models of the real published StarCoder shapes with random weights, written as GGUF files that both this engine
/// and llama.cpp load, so speed can be compared on the very same file. Weights are N(0, 0.02) like GPT-2's
/// initialisation (LayerNorm gains 1, biases 0); the numbers mean nothing, the memory traffic is real.
/// </summary>
public static class SyntheticModel
{
    /// <summary>The presets: StarCoderBase 1B/3B/7B/15B (bigcode/starcoderbase-* configs).</summary>
    public static IReadOnlyDictionary<string, GptBigCodeConfig> Presets { get; } = new Dictionary<string, GptBigCodeConfig>
    {
        ["starcoder-1b"] = Shape(2048, 24, 16),
        ["starcoder-3b"] = Shape(2816, 36, 22),
        ["starcoder-7b"] = Shape(4096, 42, 32),
        ["starcoder-15b"] = Shape(6144, 40, 48),
    };

    private static GptBigCodeConfig Shape(int embd, int layers, int heads) => new()
    {
        VocabSize = 49152,
        ContextLength = 8192,
        EmbeddingSize = embd,
        LayerCount = layers,
        HeadCount = heads,
        FeedForwardSize = 4 * embd,
    };

    /// <summary>
    /// Tensor types as llama-quantize chooses them for a file of <paramref name="type"/>: 2-D weights in that type,
    /// the (tied) output/token embedding in Q6_K for the 4/5-bit and K mixes when its rows allow (Q8_0 otherwise),
    /// position embedding, norms and biases in F32.
    /// </summary>
    public static TensorType TypeFor(string ggufName, TensorShape shape, TensorType type)
    {
        if (shape.Rank == 1 || ggufName == "position_embd.weight")
            return TensorType.F32;
        if (ggufName == "token_embd.weight" && TensorTypeInfo.IsQuantized(type) && type is not TensorType.Q8_0)
            return shape.RowLength % 256 == 0 ? TensorType.Q6_K : TensorType.Q8_0;
        return type;
    }

    /// <summary>llama.cpp's <c>general.file_type</c> for a file mostly of <paramref name="type"/>.</summary>
    public static int FileType(TensorType type) => type switch
    {
        TensorType.F32 => 0,
        TensorType.F16 => 1,
        TensorType.Q4_0 => 2,
        TensorType.Q4_1 => 3,
        TensorType.Q8_0 => 7,
        TensorType.Q5_0 => 8,
        TensorType.Q5_1 => 9,
        TensorType.Q2_K => 10,
        TensorType.Q3_K => 12,
        TensorType.Q4_K => 15,
        TensorType.Q5_K => 17,
        TensorType.Q6_K => 18,
        TensorType.BF16 => 32,
        _ => throw new ArgumentException($"no llama.cpp file type for {type}", nameof(type)),
    };

    /// <summary>Writes a random model of <paramref name="preset"/>'s shapes with weights of <paramref name="type"/>.</summary>
    /// <param name="path">Output GGUF path.</param>
    /// <param name="preset">A key of <see cref="Presets"/>.</param>
    /// <param name="type">Weight type (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k … q6_k).</param>
    /// <param name="tokenizer">Tokenizer metadata to embed (its size must not exceed the vocabulary).</param>
    /// <param name="seed">Random seed.</param>
    /// <exception cref="ArgumentException">Unknown preset or unsupported type.</exception>
    public static void Write(string path, string preset, TensorType type, GgufTokenizerData tokenizer, int seed = 1)
    {
        if (!Presets.TryGetValue(preset, out var config))
            throw new ArgumentException($"unknown synthetic model '{preset}' (known: {string.Join(", ", Presets.Keys)})", nameof(preset));
        Write(path, config, $"StarCoderBase {preset[10..].ToUpperInvariant()} (synthetic)", type, tokenizer, seed);
    }

    /// <summary>Writes a random model of any shape (tests use small ones; the presets are gigabytes).</summary>
    internal static void Write(string path, GptBigCodeConfig config, string name, TensorType type, GgufTokenizerData tokenizer, int seed)
    {
        if (!Quantize.IsSupported(type))
            throw new ArgumentException($"cannot write {TensorTypeInfo.Name(type)} weights", nameof(type));
        if (tokenizer.Tokens.Count > config.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.Tokens.Count} tokens, more than the {config.VocabSize} rows of {name}", nameof(tokenizer));
        GptBigCodeGgufWriter.Write(path, config, name, FileType(type), tokenizer, Tensors(config, type, seed));
    }

    private static IEnumerable<GgufTensorSource> Tensors(GptBigCodeConfig c, TensorType type, int seed)
    {
        int d = c.EmbeddingSize, f = c.FeedForwardSize;
        int n = 0;
        GgufTensorSource Tensor(string name, TensorShape shape, Init init)
        {
            var stored = TypeFor(name, shape, type);
            int tensorSeed = seed * 7919 + n++;
            return new GgufTensorSource(name, stored, shape, stream => Emit(stream, stored, shape, init, tensorSeed));
        }
        yield return Tensor("token_embd.weight", new TensorShape(c.VocabSize, d), Init.Normal);
        yield return Tensor("position_embd.weight", new TensorShape(c.ContextLength, d), Init.Normal);
        for (int l = 0; l < c.LayerCount; l++)
        {
            string p = $"blk.{l}.";
            yield return Tensor(p + "attn_norm.weight", new TensorShape(d), Init.One);
            yield return Tensor(p + "attn_norm.bias", new TensorShape(d), Init.Zero);
            yield return Tensor(p + "attn_qkv.weight", new TensorShape(c.QkvSize, d), Init.Normal);
            yield return Tensor(p + "attn_qkv.bias", new TensorShape(c.QkvSize), Init.Zero);
            yield return Tensor(p + "attn_output.weight", new TensorShape(d, d), Init.Normal);
            yield return Tensor(p + "attn_output.bias", new TensorShape(d), Init.Zero);
            yield return Tensor(p + "ffn_norm.weight", new TensorShape(d), Init.One);
            yield return Tensor(p + "ffn_norm.bias", new TensorShape(d), Init.Zero);
            yield return Tensor(p + "ffn_up.weight", new TensorShape(f, d), Init.Normal);
            yield return Tensor(p + "ffn_up.bias", new TensorShape(f), Init.Zero);
            yield return Tensor(p + "ffn_down.weight", new TensorShape(d, f), Init.Normal);
            yield return Tensor(p + "ffn_down.bias", new TensorShape(d), Init.Zero);
        }
        yield return Tensor("output_norm.weight", new TensorShape(d), Init.One);
        yield return Tensor("output_norm.bias", new TensorShape(d), Init.Zero);
    }

    private enum Init { Normal, One, Zero }

    /// <summary>Generates, quantizes and writes one tensor row by row (rows are independent, so memory stays small).</summary>
    private static void Emit(Stream stream, TensorType type, TensorShape shape, Init init, int seed)
    {
        int rowLength = checked((int)shape.RowLength);
        long rows = shape.RowCount;
        var values = new float[rowLength];
        var bytes = new byte[TensorTypeInfo.ByteCount(type, rowLength)];
        ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;
        for (long r = 0; r < rows; r++)
        {
            for (int i = 0; i < rowLength; i++)
                values[i] = init switch { Init.One => 1f, Init.Zero => 0f, _ => Normal(ref state) * 0.02f };
            Quantize.Row(type, values, bytes);
            stream.Write(bytes);
        }
    }

    /// <summary>A standard normal sample (Irwin–Hall sum of 4 uniforms, rescaled): cheap, and good enough for benchmarks.</summary>
    private static float Normal(ref ulong state)
    {
        float sum = 0;
        for (int k = 0; k < 4; k++)
        {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            ulong x = state * 0x2545F4914F6CDD1DUL;
            sum += (x >> 40) * (1f / (1 << 24));
        }
        return (sum - 2f) * 1.7320508f;      // variance of the sum is 4/12 = 1/3
    }
}
