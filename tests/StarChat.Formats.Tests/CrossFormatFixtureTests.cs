using System.Runtime.InteropServices;
using System.Text;
using StarChat.Engine.Tensors;
using StarChat.Formats.GptBigCode;
using StarChat.Formats.Tests.Support;
using StarChat.Formats.Tokenizers;
using StarChat.Testing;

namespace StarChat.Formats.Tests;

/// <summary>
/// Checks each reader against data it did not produce: the F32 safetensors of the same model, the bytes the
/// fixture README says are identical across producers, and the manifest's dequantization checks.
/// </summary>
public class CrossFormatFixtureTests
{
    private static readonly Lazy<LoadedModel> s_f32 = new(() => ModelFile.Open(SharedPaths.Fixtures("tiny-starchat")));

    private static ReadOnlySpan<float> F32(string name) => MemoryMarshal.Cast<byte, float>(s_f32.Value.Weights.Get(name).Bytes);

    [Fact]
    public void Bf16Shards_EqualF32RoundedToNearestEven()
    {
        using var bf16 = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-bf16"));
        Assert.Equal(2, bf16.WeightFiles.Count);
        foreach (var name in s_f32.Value.Weights.Names)
        {
            var t = bf16.Weights.Get(name);
            Assert.Equal(TensorType.BF16, t.Type);
            var expected = F32(name);
            var actual = MemoryMarshal.Cast<byte, ushort>(t.Bytes);
            for (int i = 0; i < expected.Length; i++)
            {
                uint bits = BitConverter.SingleToUInt32Bits(expected[i]);
                ushort rounded = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
                Assert.Equal(rounded, actual[i]);
            }
        }
    }

    [Fact]
    public void GgufF16_F16TensorsEqualF32AsHalf_OthersExact()
    {
        using var gguf = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.f16.gguf"));
        foreach (var name in s_f32.Value.Weights.Names)
        {
            var t = gguf.Weights.Get(name);
            var expected = F32(name);
            if (t.Type == TensorType.F16)
            {
                var actual = MemoryMarshal.Cast<byte, Half>(t.Bytes);
                for (int i = 0; i < expected.Length; i++)
                    Assert.Equal((Half)expected[i], actual[i]);
            }
            else
            {
                Assert.Equal(TensorType.F32, t.Type);
                Assert.True(expected.SequenceEqual(MemoryMarshal.Cast<byte, float>(t.Bytes)), name);
            }
        }
    }

    [Fact]
    public void GgufF16_DequantChecksOfManifest_MatchF16Values()
    {
        var checks = FixtureManifest.File("gguf/tiny-starchat.f16.gguf").GetProperty("dequant_checks");
        using var gguf = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.f16.gguf"));
        foreach (var check in checks.EnumerateObject())
        {
            string name = GptBigCodeNames.FromGguf(check.Name)!;
            var values = MemoryMarshal.Cast<byte, Half>(gguf.Weights.Get(name).Bytes);
            var first8 = check.Value.GetProperty("first8").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(first8, values[..8].ToArray().Select(h => (float)h));
            double sum = 0;
            foreach (var h in values) sum += (float)h;
            Assert.Equal(check.Value.GetProperty("sum").GetDouble(), sum, 1e-6 * Math.Sqrt(check.Value.GetProperty("sum_sq").GetDouble()));
        }
    }

    [Theory]
    [InlineData("ggml/tiny-starchat.ggmlv3.q8_0.bin", "gguf/tiny-starchat.q8_0.gguf")]
    [InlineData("ggml/tiny-starchat.ggmlv3.q4_0.bin", "gguf/tiny-starchat.q4_0.gguf")]
    [InlineData("ggml/tiny-starchat.ggmlv3.q5_1.bin", "gguf/tiny-starchat.q5_1.gguf")]
    public void LegacyFolded_EqualsGgufOfSameType(string legacyPath, string ggufPath)
    {
        // fixtures/README.md §3: the 2023 ggml quantizer and llama.cpp write byte-identical blocks for the same F32
        // rows, so every tensor of the same type, folded c_attn included, must have the GGUF's bytes.
        using var legacy = ModelFile.Open(SharedPaths.Fixtures(legacyPath));
        using var gguf = ModelFile.Open(SharedPaths.Fixtures(ggufPath));
        int compared = 0;
        foreach (var name in gguf.Weights.Names)
        {
            var a = legacy.Weights.Get(name);
            var b = gguf.Weights.Get(name);
            Assert.Equal(b.Shape, a.Shape);
            if (a.Type != b.Type)
                continue;
            Assert.True(a.Bytes.SequenceEqual(b.Bytes), $"{name} differs");
            compared++;
        }
        Assert.Contains(legacy.Weights.Names, n => n.EndsWith("c_attn.weight", StringComparison.Ordinal));
        Assert.True(compared >= 26, $"only {compared} tensors had the same type");
    }

    [Fact]
    public void LegacyF16_MatricesEqualGgufF16_FloatTensorsHoldHalfRoundedValues()
    {
        // ggml's converter loaded the model in float16 before writing, so even its f32 tensors (norms, biases, wpe)
        // carry f16-rounded values; its f16 matrices equal llama.cpp's conversion of the same F32 weights.
        using var legacy = ModelFile.Open(SharedPaths.Fixtures("ggml", "tiny-starchat.ggmlv3.f16.bin"));
        using var gguf = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.f16.gguf"));
        foreach (var name in gguf.Weights.Names)
        {
            var a = legacy.Weights.Get(name);
            if (a.Type == TensorType.F16)
            {
                Assert.True(a.Bytes.SequenceEqual(gguf.Weights.Get(name).Bytes), $"{name} differs");
                continue;
            }
            var expected = F32(name);
            var actual = MemoryMarshal.Cast<byte, float>(a.Bytes);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal((float)(Half)expected[i], actual[i]);
        }
    }

    [Fact]
    public void LegacyVocabulary_EqualsGgufTokensMappedBackToBytes()
    {
        using var legacy = ModelFile.Open(SharedPaths.Fixtures("ggml", "tiny-starchat.ggmlv3.q4_0.bin"));
        using var gguf = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.q4_0.gguf"));
        var raw = Assert.IsType<GgmlVocabulary>(legacy.Tokenizer).Tokens;
        var data = Assert.IsType<GgufTokenizerData>(gguf.Tokenizer);
        Assert.Equal(data.Tokens.Count, raw.Count);
        var fromUnicode = ByteLevel();
        for (int i = 0; i < raw.Count; i++)
        {
            string token = data.Tokens[i];
            // Control tokens are stored as their text; others through GPT-2's byte ↔ unicode table (formats.md §8.3).
            byte[] expected = data.TokenTypes![i] == 3 ? Encoding.UTF8.GetBytes(token) : [.. token.Select(ch => fromUnicode[ch])];
            Assert.True(raw.Bytes(i).SequenceEqual(expected), $"token {i}");
        }
    }

    [Fact]
    public void GgufTokenizer_SummaryMatchesManifest()
    {
        using var gguf = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"));
        var data = Assert.IsType<GgufTokenizerData>(gguf.Tokenizer);
        Assert.Equal(("gpt2", "starcoder", 0, 0), (data.Model, data.Pre, data.BosTokenId, data.EosTokenId));
        var s = data.Summarize();
        Assert.Equal(49156, s.Size);
        Assert.Equal(48891, s.MergeCount);
        Assert.True(s.HasChatTemplate);
        // README §2: CONTROL for ids 0..18 and the StarChat tokens 49152..49155.
        Assert.Equal(Enumerable.Range(0, 19).Concat(Enumerable.Range(49152, 4)), s.SpecialTokens.Select(t => t.Id));
        Assert.Equal("<|end|>", s.SpecialTokens[^1].Text);
        Assert.Equal(["bos", "eos", "unk"], s.SpecialTokens[0].Roles);
    }

    [Fact]
    public void HfTokenizerFiles_SummaryMatchesGguf()
    {
        var hf = Assert.IsType<HuggingFaceTokenizerFiles>(s_f32.Value.Tokenizer).Summarize();
        using var gguf = ModelFile.Open(SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"));
        var g = gguf.Tokenizer!.Summarize();
        Assert.Equal(g.Size, hf.Size);
        Assert.Equal(g.MergeCount, hf.MergeCount);
        Assert.Equal(g.SpecialTokens.Select(t => (t.Id, t.Text)), hf.SpecialTokens.Select(t => (t.Id, t.Text)));
        Assert.True(hf.HasChatTemplate);
    }

    /// <summary>GPT-2's bytes_to_unicode, inverted: printable bytes map to themselves, the rest to U+0100 upwards.</summary>
    private static Dictionary<char, byte> ByteLevel()
    {
        var map = new Dictionary<char, byte>();
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[printable ? (char)b : (char)next++] = (byte)b;
        }
        return map;
    }
}
