using System.Buffers.Binary;
using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.Quantized;

/// <summary>
/// GPTQ-packed linear layers (AutoGPTQ layout, formats.md §11, README-hf.md §3): per module <c>P</c>,
/// <c>P.qweight</c> I32 <c>[in·bits/32, out]</c>, <c>P.qzeros</c> I32 <c>[G, out·bits/32]</c>, <c>P.scales</c> F16
/// <c>[G, out]</c>, <c>P.g_idx</c> I32 <c>[in]</c>. Each is served as <c>P.weight</c> <c>[out, in]</c> with
/// W[o, i] = scales[g, o]·(q[i, o] − z[g, o]), g = g_idx[i], built on first use in native memory.
/// </summary>
/// <remarks>
/// 4-bit weights with f16 scales where every aligned run of 32 inputs shares one group (group size a multiple of 32,
/// no act-order) are repacked as <see cref="TensorType.Q4_GPTQ"/>: 21 bytes per 32 weights (0.66 bytes per weight;
/// StarCoder-15B about 10 GB), multiplied by the packed 4-bit kernel. Anything else (act-order's scattered groups,
/// 2 or 8 bits, f32 scales) is dequantized to F32: 4 bytes per weight, 8× a 4-bit file (StarCoder-15B about 62 GB).
/// Both are exact: an f16 scale times an integer of at most 5 bits fits a float32.
/// </remarks>
internal static class GptqLinear
{
    private const string PackedSuffix = ".qweight";

    /// <summary>True when the tensors hold GPTQ-packed weights.</summary>
    public static bool Applies(ModelWeights weights) => weights.Names.Any(n => n.EndsWith(PackedSuffix, StringComparison.Ordinal));

    /// <summary>Checks every packed module and serves its <c>weight</c> as <see cref="TensorType.Q4_GPTQ"/> or F32; returns how many of each.</summary>
    /// <exception cref="ModelFormatException">A tensor is missing, mistyped or inconsistent with the others; the message names it.</exception>
    public static (int Packed, int Widened) Apply(string origin, GptqConfig config, ModelWeights weights)
    {
        int packedCount = 0;
        var modules = weights.Names.Where(n => n.EndsWith(PackedSuffix, StringComparison.Ordinal)).Select(n => n[..^PackedSuffix.Length]).ToList();
        foreach (var module in modules)
        {
            var packed = Check(origin, config, weights, module);
            if (weights.Contains(module + ".weight"))
                throw new ModelFormatException(origin, $"tensor '{module}.weight'", "present beside a GPTQ qweight; a module is either packed or not");
            foreach (var part in new[] { PackedSuffix, ".qzeros", ".scales", ".g_idx" })
                weights.Remove(module + part);           // folded into the weight; still in the file tensors
            if (KeepsPacked(config, packed))
            {
                packedCount++;
                weights.AddDeferred(module + ".weight", () => Repack(weights, config, packed));
            }
            else
            {
                weights.AddDeferred(module + ".weight", () => Dequantize(weights, config, packed));
            }
        }
        return (packedCount, modules.Count - packedCount);
    }

    private sealed record Packed(string Module, int In, int Out, int Groups, TensorView QWeight, TensorView QZeros, TensorView Scales, int[] GroupOf);

    private static Packed Check(string origin, GptqConfig config, ModelWeights weights, string module)
    {
        TensorView Need(string suffix)
            => weights.Contains(module + suffix) ? weights.Get(module + suffix)
                : throw new ModelFormatException(origin, $"tensor '{module}{suffix}'", $"missing beside '{module}{PackedSuffix}'");
        int perWord = 32 / config.Bits;
        var qweight = Need(PackedSuffix);
        var qzeros = Need(".qzeros");
        var scales = Need(".scales");
        if (qweight.Type != TensorType.I32 || qweight.Shape.Rank != 2 || qweight.Shape[0] * perWord > int.MaxValue || qweight.Shape[1] > int.MaxValue)
            throw new ModelFormatException(origin, $"tensor '{module}.qweight'", $"expected I32 [in·{config.Bits}/32, out], got {qweight.Type} {qweight.Shape}");
        int inFeatures = (int)(qweight.Shape[0] * perWord), outFeatures = (int)qweight.Shape[1];
        int groups = config.GroupSize == -1 ? 1 : (inFeatures + config.GroupSize - 1) / config.GroupSize;
        if (scales.Type is not (TensorType.F16 or TensorType.F32) || !scales.Shape.Is(groups, outFeatures))
            throw new ModelFormatException(origin, $"tensor '{module}.scales'", $"expected F16 [{groups}, {outFeatures}] (in {inFeatures}, group_size {config.GroupSize}), got {scales.Type} {scales.Shape}");
        if (outFeatures % perWord != 0 || qzeros.Type != TensorType.I32 || !qzeros.Shape.Is(groups, outFeatures / perWord))
            throw new ModelFormatException(origin, $"tensor '{module}.qzeros'", $"expected I32 [{groups}, {outFeatures}·{config.Bits}/32], got {qzeros.Type} {qzeros.Shape}");

        var groupOf = new int[inFeatures];
        string gName = module + ".g_idx";
        if (weights.Contains(gName))
        {
            var gIdx = weights.Get(gName);
            if (gIdx.Type != TensorType.I32 || !gIdx.Shape.Is(inFeatures))
                throw new ModelFormatException(origin, $"tensor '{gName}'", $"expected I32 [{inFeatures}], got {gIdx.Type} {gIdx.Shape}");
            var bytes = gIdx.Bytes;
            for (int i = 0; i < inFeatures; i++)
            {
                int g = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                if ((uint)g >= (uint)groups)
                    throw new ModelFormatException(origin, $"tensor '{gName}'", $"input channel {i} names group {g}; there are {groups}");
                groupOf[i] = g;
            }
        }
        else
        {
            if (config.DescAct)
                throw new ModelFormatException(origin, $"tensor '{gName}'", $"missing, and {config.Origin} says desc_act (act-order needs g_idx)");
            for (int i = 0; i < inFeatures; i++)
                groupOf[i] = config.GroupSize == -1 ? 0 : i / config.GroupSize;
        }
        return new Packed(module, inFeatures, outFeatures, groups, qweight, qzeros, scales, groupOf);
    }

    /// <summary>True when each aligned run of 32 inputs lies in one group, so a <see cref="TensorType.Q4_GPTQ"/> block can carry it.</summary>
    private static bool KeepsPacked(GptqConfig config, Packed p)
    {
        if (config.Bits != 4 || p.Scales.Type != TensorType.F16 || p.In % 32 != 0)
            return false;
        for (int i = 0; i < p.In; i++)
        {
            if (p.GroupOf[i] != p.GroupOf[i - i % 32])
                return false;
        }
        return true;
    }

    private static TensorView Repack(ModelWeights weights, GptqConfig config, Packed p)
    {
        var (_, zero) = ScalesAndZeros(config, p);
        var scaleBits = MemoryMarshal.Cast<byte, ushort>(p.Scales.Bytes);
        int blocksPerRow = p.In / 32;
        long bytes = TensorTypeInfo.ByteCount(TensorType.Q4_GPTQ, (long)p.Out * p.In);
        var buffer = weights.Allocate(bytes);
        Span<byte> q = stackalloc byte[32];
        for (int o = 0; o < p.Out; o++)
        {
            for (int k = 0; k < blocksPerRow; k++)
            {
                int g = p.GroupOf[k * 32];
                for (int j = 0; j < 32; j++)
                {
                    int i = k * 32 + j;
                    uint word = BinaryPrimitives.ReadUInt32LittleEndian(p.QWeight.Row(i / 8)[(4 * o)..]);
                    q[j] = (byte)((word >> (4 * (i % 8))) & 15);
                }
                Q4_GPTQ.PackBlock(q, scaleBits[g * p.Out + o], zero[g * p.Out + o],
                    buffer.Slice(((long)o * blocksPerRow + k) * Q4_GPTQ.BlockBytes, Q4_GPTQ.BlockBytes));
            }
        }
        return new TensorView(p.Module + ".weight", TensorType.Q4_GPTQ, new TensorShape(p.Out, p.In), buffer.Address, bytes);
    }

    /// <summary>Scales (as f32) and zero points per (group, output), unpacked once.</summary>
    private static (float[] Scale, int[] Zero) ScalesAndZeros(GptqConfig config, Packed p)
    {
        int bits = config.Bits, perWord = 32 / bits;
        uint mask = (1u << bits) - 1;
        var scale = new float[p.Groups * p.Out];
        Engine.Quantization.Dequantize.Row(p.Scales.Type, p.Scales.Bytes, scale);
        var zero = new int[p.Groups * p.Out];
        var zBytes = p.QZeros.Bytes;
        for (int g = 0; g < p.Groups; g++)
        {
            for (int o = 0; o < p.Out; o++)
            {
                // Logical shift on the uint32 bit pattern: the file's int32 words are often negative.
                uint word = BinaryPrimitives.ReadUInt32LittleEndian(zBytes[(4 * (g * (p.Out / perWord) + o / perWord))..]);
                zero[g * p.Out + o] = (int)((word >> (bits * (o % perWord))) & mask) + config.ZeroOffset;
            }
        }
        return (scale, zero);
    }

    private static TensorView Dequantize(ModelWeights weights, GptqConfig config, Packed p)
    {
        int bits = config.Bits, perWord = 32 / bits;
        uint mask = (1u << bits) - 1;
        var (scale, zero) = ScalesAndZeros(config, p);
        long bytes = TensorTypeInfo.ByteCount(TensorType.F32, (long)p.Out * p.In);
        var buffer = weights.Allocate(bytes);
        for (int r = 0; r < p.In / perWord; r++)
        {
            var words = p.QWeight.Row(r);           // inputs r·perWord … r·perWord + perWord − 1, all outputs
            for (int o = 0; o < p.Out; o++)
            {
                uint word = BinaryPrimitives.ReadUInt32LittleEndian(words[(4 * o)..]);
                var destination = MemoryMarshal.Cast<byte, float>(
                    buffer.Slice(((long)o * p.In + r * perWord) * sizeof(float), perWord * sizeof(float)));
                for (int j = 0; j < perWord; j++)
                {
                    int i = r * perWord + j, g = p.GroupOf[i];
                    int q = (int)((word >> (bits * j)) & mask);
                    destination[j] = scale[g * p.Out + o] * (q - zero[g * p.Out + o]);
                }
            }
        }
        return new TensorView(p.Module + ".weight", TensorType.F32, new TensorShape(p.Out, p.In), buffer.Address, bytes);
    }
}
