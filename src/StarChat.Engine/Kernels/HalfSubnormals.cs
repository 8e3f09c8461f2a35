using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Where an F16 weight tensor's subnormal halves (exponent 0, zeros included) are, learned by <see cref="HalfDot512"/>'s
/// first pass over each eight rows and kept with the tensor, so that later decoding steps need neither test nor branch
/// for them in their inner loop. A row range's positions are laid out as: one offset per row and the end (where each
/// row's positions start), the positions, then eight zeros so that an eight-wide load never leaves them. About 0.2 %
/// of a trained model's weights are subnormal: the table costs some 0.3 % of the tensor's size.
/// </summary>
internal sealed class HalfSubnormals
{
    /// <summary>Rows per segment: a matmul block always starts at a multiple of it.</summary>
    public const int SegmentRows = 8;

    /// <summary>Zeros after the positions, for whole eight-wide loads.</summary>
    public const int Padding = 8;

    // A segment whose positions would not fit ushort offsets (rows mostly zeros): its rows take the exact path.
    private static readonly ushort[] Unrecordable = [];

    [ThreadStatic]
    private static ushort[]? t_layout;

    [ThreadStatic]
    private static int[]? t_words;

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

    /// <summary>True once segment <paramref name="segment"/> has been recorded or found unrecordable.</summary>
    public bool IsSettled(int segment) => Volatile.Read(ref _segments[segment]) is not null;

    /// <summary>The layout of segment <paramref name="segment"/>'s positions, when recorded (empty when
    /// unrecordable).</summary>
    public bool TryGet(int segment, out ushort[] layout)
    {
        layout = Volatile.Read(ref _segments[segment])!;
        return layout is not null && layout.Length != 0;
    }

    /// <summary>Keeps <paramref name="layout"/> (from <see cref="Collect"/> over the segment's eight rows), or marks
    /// the segment unrecordable when it is empty. Racing calls record the same positions; the first one stays.</summary>
    public void Record(int segment, ReadOnlySpan<ushort> layout)
        => Interlocked.CompareExchange(ref _segments[segment], layout.IsEmpty ? Unrecordable : layout.ToArray(), null);

    /// <summary>The positions of row <paramref name="row"/> of a layout; eight more readable ushorts follow them.</summary>
    public static ReadOnlySpan<ushort> Row(ReadOnlySpan<ushort> layout, int rows, int row)
        => layout.Slice(rows + 1 + layout[row], layout[row + 1] - layout[row]);

    /// <summary>
    /// Lays out the positions of the bits set in <paramref name="masks"/> (<paramref name="rows"/> rows of
    /// <paramref name="groups"/> words, bit b of word g marking half 32·g + b) in a per-thread buffer, valid until the
    /// next call on this thread; empty when they exceed ushort offsets. The words holding any are listed first,
    /// sixteen at a time without a branch (a mispredicted branch per such word cost a third of decoding's speed).
    /// </summary>
    public static unsafe ReadOnlySpan<ushort> Collect(ReadOnlySpan<uint> masks, int rows, int groups)
    {
        int words = rows * groups;
        var listed = Grow(ref t_words, words + 16);
        int count = 0;
        fixed (uint* m = masks)
        fixed (int* list = listed)
        {
            var index = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            int start = 0;
            for (; start + 16 <= words; start += 16, index += Vector512.Create(16))
            {
                var nonzero = Vector512.GreaterThan(Vector512.Load(m + start), Vector512<uint>.Zero).AsInt32();
                Avx512F.CompressStore(list + count, nonzero, index);
                count += BitOperations.PopCount(nonzero.ExtractMostSignificantBits());
            }
            for (; start < words; start++)
            {
                list[count] = start;
                count += m[start] != 0 ? 1 : 0;
            }
        }
        int header = rows + 1;
        var layout = Grow(ref t_layout, ushort.MaxValue + 1);
        int next = header, row = 0;
        layout[0] = 0;
        for (int k = 0; k < count; k++)
        {
            int word = listed[k];
            for (; word >= (row + 1) * groups; row++)
                layout[row + 1] = (ushort)(next - header);
            int first = (word - row * groups) * 32;
            for (uint bits = masks[word]; bits != 0; bits &= bits - 1)
            {
                if (next + Padding >= layout.Length)
                    return [];
                layout[next++] = (ushort)(first + BitOperations.TrailingZeroCount(bits));
            }
        }
        for (; row < rows; row++)
            layout[row + 1] = (ushort)(next - header);
        layout.AsSpan(next, Padding).Clear();
        return layout.AsSpan(0, next + Padding);
    }

    private static T[] Grow<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new T[length];
        return buffer;
    }
}
