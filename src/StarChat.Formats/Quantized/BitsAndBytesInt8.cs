using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Formats.Quantized;

/// <summary>
/// bitsandbytes LLM.int8 checkpoints as <c>save_pretrained</c> writes them (formats.md §10.1, README-hf.md §2): per
/// quantized linear <c>P</c>, <c>P.weight</c> I8 <c>[out, in]</c>, <c>P.SCB</c> F32 <c>[out]</c> (row absmax) and
/// optionally <c>P.weight_format</c> (U8 scalar, 0 = row-major). W = q·SCB/127. Each such weight is served as
/// <see cref="TensorType.Q8_SCB"/> (the int8 values kept, the row's f32 SCB beside every 32) in native memory built on
/// first use, so the engine multiplies it without widening it to f32 in memory (1.125 bytes per weight). The
/// <c>SCB</c> and <c>weight_format</c> tensors then leave the canonical names (they stay in the file tensors).
/// </summary>
internal static class BitsAndBytesInt8
{
    private const string ScaleSuffix = ".SCB";

    /// <summary>True when the tensors hold bitsandbytes int8 scales.</summary>
    public static bool Applies(ModelWeights weights) => weights.Names.Any(n => n.EndsWith(ScaleSuffix, StringComparison.Ordinal));

    /// <summary>Checks every int8 linear and replaces its <c>weight</c> by a <see cref="TensorType.Q8_SCB"/> view.</summary>
    /// <exception cref="ModelFormatException">A weight, scale or layout tensor is missing, mistyped or misshapen; the message names it.</exception>
    public static int Apply(string origin, ModelWeights weights)
    {
        var modules = weights.Names.Where(n => n.EndsWith(ScaleSuffix, StringComparison.Ordinal)).Select(n => n[..^ScaleSuffix.Length]).ToList();
        foreach (var module in modules)
        {
            var (weight, scales) = Check(origin, weights, module);
            weights.Replace(module + ".weight", () => Pack(weights, weight, scales));
            weights.Remove(module + ScaleSuffix);
            weights.Remove(module + ".weight_format");
        }
        return modules.Count;
    }

    private static (TensorView Weight, TensorView Scales) Check(string origin, ModelWeights weights, string module)
    {
        string weightName = module + ".weight", scaleName = module + ScaleSuffix, formatName = module + ".weight_format";
        if (!weights.Contains(weightName))
            throw new ModelFormatException(origin, $"tensor '{weightName}'", $"missing: '{scaleName}' needs the int8 weight it scales");
        var weight = weights.Get(weightName);
        var scales = weights.Get(scaleName);
        if (weight.Type != TensorType.I8 || weight.Shape.Rank != 2)
            throw new ModelFormatException(origin, $"tensor '{weightName}'", $"expected I8 [out, in] beside '{scaleName}', got {weight.Type} {weight.Shape}");
        if (scales.Type != TensorType.F32 || scales.Shape.Rank != 1 || scales.Shape[0] != weight.Shape[0])
            throw new ModelFormatException(origin, $"tensor '{scaleName}'", $"expected F32 [{weight.Shape[0]}] (one absmax per row of {weight.Shape}), got {scales.Type} {scales.Shape}");
        if (weight.Shape[1] % 32 != 0 || weight.Shape[1] > int.MaxValue)
            throw new ModelFormatException(origin, $"tensor '{weightName}'", $"{weight.Shape[1]} input features are not a multiple of 32 (the int8 kernel's block)");
        if (weights.Contains(formatName))
        {
            var format = weights.Get(formatName);
            if (format.Type != TensorType.U8 || format.Shape.ElementCount != 1)
                throw new ModelFormatException(origin, $"tensor '{formatName}'", $"expected a U8 scalar, got {format.Type} {format.Shape}");
            byte value = format.Bytes[0];
            if (value != 0)
                throw new ModelFormatException(origin, $"tensor '{formatName}'", $"layout {value} ({LayoutName(value)}) is a tiled GPU layout; only 0 (row-major) is supported");
        }
        foreach (float s in MemoryMarshal.Cast<byte, float>(scales.Bytes))
        {
            if (!float.IsFinite(s) || s < 0)
                throw new ModelFormatException(origin, $"tensor '{scaleName}'", $"row absmax {s} is not a finite non-negative number");
        }
        return (weight, scales);
    }

    private static TensorView Pack(ModelWeights weights, TensorView weight, TensorView scales)
    {
        int columns = (int)weight.Shape[1];
        long bytes = TensorTypeInfo.ByteCount(TensorType.Q8_SCB, weight.Shape.ElementCount);
        var buffer = weights.Allocate(bytes);
        var absmax = MemoryMarshal.Cast<byte, float>(scales.Bytes);
        // One row at a time: a 15B model's c_fc is 24576 × 6144, over 2 GiB of blocks in all.
        long rowBytes = bytes / weight.Shape[0];
        for (int r = 0; r < weight.Shape[0]; r++)
            Q8_SCB.PackRows(MemoryMarshal.Cast<byte, sbyte>(weight.Row(r)), absmax.Slice(r, 1), columns, buffer.Slice(r * rowBytes, (int)rowBytes));
        return new TensorView(weight.Name, TensorType.Q8_SCB, weight.Shape, buffer.Address, bytes);
    }

    private static string LayoutName(byte value) => value switch
    {
        1 => "col32",
        2 => "col_turing",
        3 => "col_ampere",
        _ => "unknown",
    };
}
