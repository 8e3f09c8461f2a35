using System.Collections;
using System.Text;

namespace StarChat.Formats;

/// <summary>
/// A list of byte strings kept packed in one buffer as the file stores them (each preceded by its length). GGUF
/// token and merge arrays and legacy GGML vocabularies hold ~50k entries each; reading them with one copy instead of
/// 50k allocations keeps opening a model in the millisecond range. Entries decode as UTF-8 on access.
/// </summary>
public sealed class PackedStringCollection : IReadOnlyList<string>
{
    private readonly byte[] _bytes;
    private readonly int[] _starts;
    private readonly int _prefix;

    /// <summary>Packs <paramref name="strings"/> (used by writers and tests).</summary>
    public PackedStringCollection(IEnumerable<string> strings)
    {
        var list = strings.Select(Encoding.UTF8.GetBytes).ToList();
        _prefix = 0;
        _starts = new int[list.Count + 1];
        _bytes = new byte[list.Sum(b => (long)b.Length) is var total and <= int.MaxValue ? (int)total : throw new ArgumentException("strings exceed 2 GiB", nameof(strings))];
        int at = 0;
        for (int i = 0; i < list.Count; i++)
        {
            _starts[i] = at;
            list[i].CopyTo(_bytes, at);
            at += list[i].Length;
        }
        _starts[list.Count] = at;
    }

    /// <summary>Wraps a region copied from a file: entry i is <c>bytes[starts[i] .. starts[i+1] - prefix)</c>.</summary>
    internal PackedStringCollection(byte[] bytes, int[] starts, int prefix)
    {
        _bytes = bytes;
        _starts = starts;
        _prefix = prefix;
    }

    /// <summary>Number of entries.</summary>
    public int Count => _starts.Length - 1;

    /// <summary>Entry <paramref name="index"/> decoded as UTF-8 (invalid sequences become U+FFFD).</summary>
    public string this[int index] => Encoding.UTF8.GetString(Bytes(index));

    /// <summary>The raw bytes of entry <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such entry.</exception>
    public ReadOnlySpan<byte> Bytes(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int start = _starts[index];
        return _bytes.AsSpan(start, _starts[index + 1] - _prefix - start);
    }

    /// <summary>Entries in order, decoded.</summary>
    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
