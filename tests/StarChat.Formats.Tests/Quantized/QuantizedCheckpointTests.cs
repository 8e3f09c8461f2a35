using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Formats.Safetensors;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.Quantized;

/// <summary>
/// bitsandbytes int8 and GPTQ checkpoints (README-hf.md §2–§3): the canonical <c>….weight</c> of each quantized
/// linear dequantizes as the formats say (8-bit within one float32 ulp of q·SCB/127, GPTQ exact), and broken
/// files fail naming the file and field.
/// </summary>
public class QuantizedCheckpointTests
{
    private static float[] Floats(TensorView t)
    {
        var values = new float[t.Shape.ElementCount];
        Dequantize.Row(t.Type, t.Bytes, values);
        return values;
    }

    private static TensorView Stored(LoadedModel model, string name) => model.FileTensors.Single(t => t.Name == name);

    [Fact]
    public void EightBit_Weights_DequantizeWithinOneUlpOfQTimesScbOver127()
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures("tiny-starchat-8bit"));
        foreach (var module in new[] { "transformer.h.0.attn.c_attn", "transformer.h.1.mlp.c_proj" })
        {
            var view = model.Weights.Get(module + ".weight");
            Assert.Equal(TensorType.Q8_SCB, view.Type);
            var q = MemoryMarshal.Cast<byte, sbyte>(Stored(model, module + ".weight").Bytes);
            var scb = MemoryMarshal.Cast<byte, float>(Stored(model, module + ".SCB").Bytes);
            var w = Floats(view);
            int columns = (int)view.Shape[1];
            for (int i = 0; i < w.Length; i++)
            {
                double exact = q[i] * (double)scb[i / columns] / 127.0;
                float nearest = (float)exact, ulp = MathF.BitIncrement(MathF.Abs(nearest)) - MathF.Abs(nearest);
                Assert.True(Math.Abs(w[i] - exact) <= ulp,
                    $"{module} [{i / columns}, {i % columns}]: {w[i]} vs {exact}");
            }
        }
    }

    [Theory]
    [InlineData("tiny-starchat-gptq")]
    [InlineData("tiny-starchat-gptq-actorder")]
    public void Gptq_Weights_DequantizeExactlyThroughGIdx(string folder)
    {
        using var model = ModelFile.Open(SharedPaths.Fixtures(folder));
        const string m = "transformer.h.0.mlp.c_proj";             // in 256, out 64, 8 groups (README-hf.md §3)
        var view = model.Weights.Get(m + ".weight");
        // Groups of 32 aligned inputs stay packed 4-bit; act-order's scattered groups are widened to f32.
        Assert.Equal(folder == "tiny-starchat-gptq" ? TensorType.Q4_GPTQ : TensorType.F32, view.Type);
        Assert.Equal(new TensorShape(64, 256), view.Shape);
        var w = Floats(view);
        var qweight = Stored(model, m + ".qweight").Bytes;
        var qzeros = Stored(model, m + ".qzeros").Bytes;
        var scales = Stored(model, m + ".scales").Bytes;
        var gIdx = Stored(model, m + ".g_idx").Bytes;
        bool monotonic = true;
        for (int i = 0; i < 256; i++)
        {
            int g = BinaryPrimitives.ReadInt32LittleEndian(gIdx[(4 * i)..]);
            monotonic &= g == i / 32;
            for (int o = 0; o < 64; o++)
            {
                // formats.md §11: q = (qweight[i/8, o] >> 4(i%8)) & 15; z = ((qzeros[g, o/8] >> 4(o%8)) & 15) + 1.
                uint qw = BinaryPrimitives.ReadUInt32LittleEndian(qweight[(4 * ((i / 8) * 64 + o))..]);
                uint qz = BinaryPrimitives.ReadUInt32LittleEndian(qzeros[(4 * (g * 8 + o / 8))..]);
                int q = (int)((qw >> (4 * (i % 8))) & 15), z = (int)((qz >> (4 * (o % 8))) & 15) + 1;
                float scale = (float)BinaryPrimitives.ReadHalfLittleEndian(scales[(2 * (g * 64 + o))..]);
                Assert.Equal(scale * (q - z), w[o * 256 + i]);
            }
        }
        Assert.Equal(folder == "tiny-starchat-gptq", monotonic);
        Assert.Contains(model.Notes, n => n.StartsWith("GPTQ 4-bit", StringComparison.Ordinal)
            && n.Contains(folder == "tiny-starchat-gptq" ? "8 linear weights kept packed" : "0 linear weights kept packed", StringComparison.Ordinal));
    }

    /// <summary>A copy of a fixture folder whose tensors pass through <paramref name="edit"/> (return null to drop one).</summary>
    private static TempFolder Rewritten(string fixture, Func<TensorView, SafetensorsEntry?> edit, Action<TempFolder>? files = null)
    {
        var folder = new TempFolder();
        using var model = ModelFile.Open(SharedPaths.Fixtures(fixture));
        var tensors = model.FileTensors.Select(edit).OfType<SafetensorsEntry>().ToList();
        SafetensorsWriter.Write(Path.Combine(folder.Path, Path.GetFileName(model.WeightFiles[0])), tensors);
        foreach (var json in Directory.GetFiles(SharedPaths.Fixtures(fixture), "*.json"))
            File.Copy(json, Path.Combine(folder.Path, Path.GetFileName(json)));
        files?.Invoke(folder);
        return folder;
    }

    private static SafetensorsEntry Same(TensorView t) => new(t.Name, t.Type, t.Shape, t.Bytes.ToArray());

    private static SafetensorsEntry Replaced(TensorView t, TensorType type, TensorShape shape, byte[] bytes) => new(t.Name, type, shape, bytes);

    private static ModelFormatException OpenFails(string folder) => Assert.ThrowsAny<ModelFormatException>(() =>
    {
        using var model = ModelFile.Open(folder);
        foreach (var name in model.Weights.Names)
            _ = model.Weights.Get(name);
    });

    [Fact]
    public void EightBit_TiledWeightFormat_FailsNamingTensor()
    {
        using var folder = Rewritten("tiny-starchat-8bit", t => t.Name == "transformer.h.1.mlp.c_fc.weight_format"
            ? Replaced(t, TensorType.U8, t.Shape, [2]) : Same(t));
        var e = OpenFails(folder.Path);
        Assert.Equal("tensor 'transformer.h.1.mlp.c_fc.weight_format'", e.Field);
        Assert.Contains("col_turing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EightBit_ScaleCountWrong_FailsNamingScb()
    {
        using var folder = Rewritten("tiny-starchat-8bit", t => t.Name == "transformer.h.0.attn.c_proj.SCB"
            ? Replaced(t, TensorType.F32, new TensorShape(32), new byte[128]) : Same(t));
        var e = OpenFails(folder.Path);
        Assert.Equal("tensor 'transformer.h.0.attn.c_proj.SCB'", e.Field);
    }

    [Fact]
    public void Gptq_NoQuantizeConfig_FailsNamingIt()
    {
        using var folder = Rewritten("tiny-starchat-gptq-actorder", Same, f =>
        {
            File.Delete(Path.Combine(f.Path, "quantize_config.json"));
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Path, "config.json")))!.AsObject();
            config.Remove("quantization_config");
            File.WriteAllText(Path.Combine(f.Path, "config.json"), config.ToJsonString());
        });
        var e = OpenFails(folder.Path);
        Assert.Equal("quantize_config.json", e.Field);
        Assert.EndsWith("quantize_config.json", e.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, "bits")]
    [InlineData(16, "bits")]
    public void Gptq_UnsupportedBits_FailsNamingField(int bits, string field)
    {
        using var folder = Rewritten("tiny-starchat-gptq", Same, f =>
        {
            string path = Path.Combine(f.Path, "quantize_config.json");
            var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            config["bits"] = bits;
            File.WriteAllText(path, config.ToJsonString());
        });
        var e = OpenFails(folder.Path);
        Assert.Equal(field, e.Field);
        Assert.EndsWith("quantize_config.json", e.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Gptq_ScalesShapeInconsistent_FailsNamingTensor()
    {
        using var folder = Rewritten("tiny-starchat-gptq", t => t.Name == "transformer.h.1.attn.c_attn.scales"
            ? Replaced(t, TensorType.F16, new TensorShape(3, 96), new byte[3 * 96 * 2]) : Same(t));
        var e = OpenFails(folder.Path);
        Assert.Equal("tensor 'transformer.h.1.attn.c_attn.scales'", e.Field);
    }

    [Fact]
    public void Gptq_GroupIndexOutOfRange_FailsNamingTensor()
    {
        using var folder = Rewritten("tiny-starchat-gptq-actorder", t =>
        {
            if (t.Name != "transformer.h.0.mlp.c_fc.g_idx")
                return Same(t);
            var bytes = t.Bytes.ToArray();
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);   // 64 inputs of group size 32: groups 0 and 1
            return Replaced(t, t.Type, t.Shape, bytes);
        });
        var e = OpenFails(folder.Path);
        Assert.Equal("tensor 'transformer.h.0.mlp.c_fc.g_idx'", e.Field);
    }

    [Fact]
    public void Gptq_QZerosMissing_FailsNamingTensor()
    {
        using var folder = Rewritten("tiny-starchat-gptq", t => t.Name == "transformer.h.0.attn.c_proj.qzeros" ? null : Same(t));
        var e = OpenFails(folder.Path);
        Assert.Equal("tensor 'transformer.h.0.attn.c_proj.qzeros'", e.Field);
    }
}
