using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Engine.Tests.Quantization.Fixtures;
using StarChat.Testing;

namespace StarChat.Engine.Tests.Quantization;

/// <summary>
/// The quantizers against files made by llama.cpp's tools from the same F32 weights (fixtures/README.md §2):
/// every non-F32 tensor of the tiny-starchat GGUFs must come out byte for byte from its F32 source
/// (<c>tiny-starchat/model.safetensors</c>), and the BF16 shards from the same weights by round-to-nearest-even.
/// </summary>
public class FixtureQuantizeTests
{
    private static readonly Lazy<SafetensorsFile> s_source =
        new(() => new SafetensorsFile(SharedPaths.Fixtures("tiny-starchat", "model.safetensors")));

    public static TheoryData<string> TinyGgufFiles => [.. FixtureFiles.Gguf.Where(f => f.Contains("tiny-starchat", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(TinyGgufFiles))]
    public void Row_TinyStarchatF32Weights_ReproducesFixtureGgufBytes(string path)
    {
        var (file, tensors) = FixtureFiles.OpenGguf(path);
        int compared = 0;
        foreach (GgufTensor t in tensors.Values.Where(t => t.Type != TensorType.F32))
        {
            string hfName = FixtureFiles.HuggingFaceName(t.Name) ?? throw new InvalidOperationException($"no source for {t.Name}");
            float[] source = s_source.Value.Floats(hfName);
            Assert.Equal(t.RowLength * t.RowCount, source.Length);

            var ours = new byte[TensorTypeInfo.ByteCount(t.Type, source.Length)];
            Quantize.Row(t.Type, source, ours);
            ReadOnlySpan<byte> theirs = file.AsSpan(checked((int)t.Offset), ours.Length);
            int mismatch = ours.AsSpan().CommonPrefixLength(theirs);
            Assert.True(mismatch == ours.Length,
                $"{path} {t.Name} ({t.Type}): first differing byte {mismatch} (block {mismatch / TensorTypeInfo.BlockBytes(t.Type)})");
            compared++;
        }
        Assert.Equal(9, compared);   // token_embd + four matrices in each of two layers
    }

    [Theory]
    [InlineData("model-00001-of-00002.safetensors")]
    [InlineData("model-00002-of-00002.safetensors")]
    public void Bf16FromSingle_TinyStarchatF32Weights_ReproducesBf16Shard(string shard)
    {
        var bf16 = new SafetensorsFile(SharedPaths.Fixtures("tiny-starchat-bf16", shard));
        int compared = 0;
        foreach (string name in bf16.Names)
        {
            Assert.Equal("BF16", bf16.Dtype(name));
            float[] source = s_source.Value.Floats(name);
            var ours = new byte[source.Length * 2];
            Quantize.Row(TensorType.BF16, source, ours);
            Assert.True(ours.AsSpan().SequenceEqual(bf16.Bytes(name)), $"{shard} {name}: BF16 bytes differ");
            compared++;
        }
        Assert.True(compared > 0);
    }
}
