using System.Runtime.InteropServices;

namespace StarChat.Engine.Quantization;

/// <summary>
/// <see cref="Tensors.TensorType.Q8_SCB"/> block (36 bytes): 32 signed bytes sharing their row's f32 absmax;
/// w = q·absmax/127. Holds bitsandbytes LLM.int8 rows (int8 <c>weight</c> and <c>SCB</c>) without widening them.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct BlockQ8_SCB
{
    /// <summary>Weights per block.</summary>
    public const int Count = 32;

    /// <summary>Row absmax (bitsandbytes <c>SCB</c>); the scale is this / 127.</summary>
    public float Absmax;

    /// <summary>Quants, −127…127 as bitsandbytes writes them (−128 decodes too).</summary>
    public SBytes32 Qs;
}

/// <summary>
/// <see cref="Tensors.TensorType.Q8_SCB"/>: packing int8 rows with one absmax per row (what a loader of bitsandbytes
/// checkpoints needs) and the scalar reference dequantization.
/// </summary>
public static class Q8_SCB
{
    private const int BlockBytes = 36;

    /// <summary>
    /// w = q·absmax/127 evaluated in double and rounded once, so each weight is the float32 nearest the exact value
    /// (README-hf.md §7 asks for 1 ulp; a float32 q·(absmax/127) can miss by 1.5).
    /// </summary>
    internal static void Dequantize(ReadOnlySpan<BlockQ8_SCB> blocks, Span<float> y)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_SCB.Count, y.Length, nameof(y));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref readonly BlockQ8_SCB b = ref blocks[i];
            double scale = b.Absmax;
            Span<float> out32 = y.Slice(i * BlockQ8_SCB.Count, BlockQ8_SCB.Count);
            for (int j = 0; j < BlockQ8_SCB.Count; j++)
                out32[j] = (float)(b.Qs[j] * scale / 127.0);
        }
    }

    internal static void PackRow(ReadOnlySpan<sbyte> q, float absmax, Span<BlockQ8_SCB> blocks)
    {
        QuantArgs.CheckBlocks(blocks.Length, BlockQ8_SCB.Count, q.Length, nameof(q));
        for (int i = 0; i < blocks.Length; i++)
        {
            ref BlockQ8_SCB b = ref blocks[i];
            b.Absmax = absmax;
            q.Slice(i * BlockQ8_SCB.Count, BlockQ8_SCB.Count).CopyTo(b.Qs);
        }
    }

    /// <summary>
    /// Packs an int8 row-major <c>[rows, columns]</c> matrix with one absmax per row (bitsandbytes <c>weight</c> and
    /// <c>SCB</c>) into <paramref name="destination"/>: <c>rows · columns / 32</c> blocks of 36 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes disagree or the columns are not a multiple of 32.</exception>
    public static void PackRows(ReadOnlySpan<sbyte> q, ReadOnlySpan<float> rowAbsmax, int columns, Span<byte> destination)
    {
        if (columns <= 0 || columns % BlockQ8_SCB.Count != 0)
            throw new ArgumentException($"{columns} columns are not a positive multiple of {BlockQ8_SCB.Count}", nameof(columns));
        if ((long)rowAbsmax.Length * columns != q.Length)
            throw new ArgumentException($"{q.Length} int8 values are not {rowAbsmax.Length} rows of {columns}", nameof(q));
        int blocksPerRow = columns / BlockQ8_SCB.Count;
        if (destination.Length != (long)rowAbsmax.Length * blocksPerRow * BlockBytes)
            throw new ArgumentException($"destination has {destination.Length} bytes, expected {(long)rowAbsmax.Length * blocksPerRow * BlockBytes}", nameof(destination));
        var blocks = MemoryMarshal.Cast<byte, BlockQ8_SCB>(destination);
        for (int r = 0; r < rowAbsmax.Length; r++)
            PackRow(q.Slice(r * columns, columns), rowAbsmax[r], blocks.Slice(r * blocksPerRow, blocksPerRow));
    }
}
