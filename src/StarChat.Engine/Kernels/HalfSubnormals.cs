using System.Numerics;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Where an F16 weight tensor's subnormal halves (exponent 0, zeros included) are, learned by
/// <see cref="HalfDot512"/>'s first pass over each eight rows and kept with the tensor, so that later decoding steps
/// need neither test nor branch for them in their inner loop. Per segment of <see cref="SegmentRows"/> rows one
/// array: nine offsets (where each row's positions start, then the end), the positions, and eight zeros so that an
/// eight-wide load never leaves it. About 0.2 % of a trained model's weights are subnormal: the table costs some
/// 0.3 % of the tensor's size.
/// </summary>
internal sealed class HalfSubnormals
{
    /// <summary>Rows per segment: a matmul block always starts at a multiple of it.</summary>
    public const int SegmentRows = 8;

    /// <summary>Zeros after the positions, for whole eight-wide loads.</summary>
    public const int Padding = 8;

    private const int Header = SegmentRows + 1;

    // A segment whose positions would not fit ushort offsets (rows mostly zeros): it stays on the exact pass.
    private static readonly ushort[] Unrecorded = [];

    private readonly ushort[]?[] _segments;

    private HalfSubnormals(long rows) => _segments = new ushort[]?[(rows + SegmentRows - 1) / SegmentRows];

    /// <summary>The table of <paramref name="weight"/>, created empty on first use.</summary>
    public static HalfSubnormals Of(TensorView weight)
    {
        if (weight.KernelCache is HalfSubnormals table)
            return table;
        Interlocked.CompareExchange(ref weight.KernelCache, new HalfSubnormals(weight.Shape.RowCount), null);
        return weight.KernelCache as HalfSubnormals
            ?? throw new InvalidOperationException($"tensor '{weight.Name}' already carries another kernel's cache");
    }

    /// <summary>The positions of segment <paramref name="segment"/>, when its first pass has been recorded.</summary>
    public bool TryGet(int segment, out ushort[] positions)
    {
        positions = Volatile.Read(ref _segments[segment])!;
        return positions is not null && positions.Length != 0;
    }

    /// <summary>The positions of row <paramref name="row"/> (0–7) of a segment from <see cref="TryGet"/>.</summary>
    public static ReadOnlySpan<ushort> Row(ushort[] positions, int row)
        => positions.AsSpan(Header + positions[row], positions[row + 1] - positions[row]);

    /// <summary>
    /// Records segment <paramref name="segment"/> from the subnormal masks of its eight rows (a bit per half, each row
    /// <paramref name="groups"/> words of 32). Racing calls record the same positions; the first one stays.
    /// </summary>
    public void Record(int segment, ReadOnlySpan<uint> masks, int groups)
    {
        if (Volatile.Read(ref _segments[segment]) is not null)
            return;
        int total = 0;
        foreach (uint mask in masks[..(SegmentRows * groups)])
            total += BitOperations.PopCount(mask);
        if (Header + total > ushort.MaxValue)
        {
            Interlocked.CompareExchange(ref _segments[segment], Unrecorded, null);
            return;
        }
        var positions = new ushort[Header + total + Padding];
        int next = 0;
        for (int row = 0; row < SegmentRows; row++)
        {
            positions[row] = (ushort)next;
            var rowMasks = masks.Slice(row * groups, groups);
            for (int g = 0; g < groups; g++)
            {
                for (uint m = rowMasks[g]; m != 0; m &= m - 1)
                    positions[Header + next++] = (ushort)(g * 32 + BitOperations.TrailingZeroCount(m));
            }
        }
        positions[SegmentRows] = (ushort)next;
        Interlocked.CompareExchange(ref _segments[segment], positions, null);
    }
}
