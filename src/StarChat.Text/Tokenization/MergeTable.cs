using System.Numerics;
using System.Runtime.InteropServices;

namespace StarChat.Text.Tokenization;

/// <summary>
/// The BPE merge table: a pair of adjacent symbol ids → the pair's rank and the id it merges into, in one open-addressed
/// array of 16-byte slots, so a probe is one cache line. A general dictionary keyed by a value type is compiled at run
/// time in every fresh process (no ahead-of-time image holds the base library's generic code for our types), and
/// building it was a quarter of loading a tokenizer.
/// </summary>
internal sealed class MergeTable
{
    private readonly Slot[] _slots;
    private readonly int _shift;

    /// <summary>An empty table with room for <paramref name="capacity"/> pairs at a load of at most one half.</summary>
    public MergeTable(int capacity)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * capacity));
        _slots = new Slot[size];
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>Number of pairs.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a pair unless it is already there (a pair listed twice keeps its first, highest-priority rank).</summary>
    public bool TryAdd(int left, int right, Merge merge)
    {
        if (2 * (Count + 1) > _slots.Length)
            throw new InvalidOperationException($"the merge table was made for {_slots.Length / 2} pairs");
        long key = Key(left, right);
        int mask = _slots.Length - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ref var slot = ref _slots[i];
            if (slot.Key == key)
                return false;
            if (slot.Key == 0)
            {
                slot = new Slot(key, merge);
                Count++;
                return true;
            }
        }
    }

    /// <summary>The merge of <paramref name="left"/> followed by <paramref name="right"/>, if they merge.</summary>
    public bool TryGet(int left, int right, out Merge merge)
    {
        long key = Key(left, right);
        int mask = _slots.Length - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ref readonly var slot = ref _slots[i];
            if (slot.Key == key)
            {
                merge = slot.Merge;
                return true;
            }
            if (slot.Key == 0)
            {
                merge = default;
                return false;
            }
        }
    }

    // Both ids are non-negative, so the packed pair is below 2^63 - 1 and one more never reaches 0: 0 marks a free slot.
    private static long Key(int left, int right) => (((long)left << 32) | (uint)right) + 1;

    // Fibonacci hashing: the top bits of the key times 2^64 / golden ratio spread neighbouring ids over the table.
    private int Home(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15ul) >> _shift);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Slot(long Key, Merge Merge);
}

/// <summary>A pair's rank (lower merges first) and the id of the symbol it becomes.</summary>
internal readonly record struct Merge(int Rank, int NewId);
