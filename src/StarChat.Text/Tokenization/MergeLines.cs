using System.Collections;
using System.Text;

namespace StarChat.Text.Tokenization;

/// <summary>
/// Merges as the files store them, one <c>"left right"</c> line per rank (GGUF <c>tokenizer.ggml.merges</c>), split
/// only when a pair is read. Building a tokenizer reads each line once into a stack buffer
/// (<see cref="Line"/>), where splitting ~50k lines into two strings each up front cost a fifth of the load.
/// </summary>
public sealed class MergeLines : IReadOnlyList<(string Left, string Right)>
{
    private readonly Func<int, ReadOnlySpan<byte>> _utf8Line;

    /// <summary>Lines given as UTF-8 bytes by rank (invalid sequences read as U+FFFD).</summary>
    /// <param name="origin">The file, for error messages.</param>
    /// <param name="field">The field the lines come from (e.g. <c>tokenizer.ggml.merges</c>), for error messages.</param>
    /// <param name="count">Number of lines.</param>
    /// <param name="utf8Line">Line <c>i</c>'s bytes.</param>
    public MergeLines(string origin, string field, int count, Func<int, ReadOnlySpan<byte>> utf8Line)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Origin = origin;
        Field = field;
        Count = count;
        _utf8Line = utf8Line;
    }

    /// <summary>The file the lines come from.</summary>
    public string Origin { get; }

    /// <summary>The field the lines come from.</summary>
    public string Field { get; }

    /// <inheritdoc />
    public int Count { get; }

    /// <summary>The pair of rank <paramref name="rank"/>.</summary>
    /// <exception cref="TokenizerFormatException">The line is not two tokens separated by a space.</exception>
    public (string Left, string Right) this[int rank]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rank);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Count);
            var line = Encoding.UTF8.GetString(_utf8Line(rank)).AsSpan();
            int space = Split(rank, line);
            return (line[..space].ToString(), line[(space + 1)..].ToString());
        }
    }

    /// <summary>
    /// Line <paramref name="rank"/> decoded into <paramref name="buffer"/> when it fits (a line of n bytes has at most
    /// n characters), or into a new string; <paramref name="space"/> is where its two tokens part.
    /// </summary>
    /// <exception cref="TokenizerFormatException">The line is not two tokens separated by a space.</exception>
    internal ReadOnlySpan<char> Line(int rank, Span<char> buffer, out int space)
    {
        var bytes = _utf8Line(rank);
        ReadOnlySpan<char> line = bytes.Length <= buffer.Length
            ? buffer[..Encoding.UTF8.GetChars(bytes, buffer)]
            : Encoding.UTF8.GetString(bytes);
        space = Split(rank, line);
        return line;
    }

    private int Split(int rank, ReadOnlySpan<char> line)
    {
        // Byte-level tokens hold no spaces (a space byte is 'Ġ'), so the first space parts the two.
        int space = line.IndexOf(' ');
        if (space <= 0 || space == line.Length - 1)
            throw new TokenizerFormatException(Origin, $"{Field}[{rank}]", $"expected \"left right\", got \"{line}\"");
        return space;
    }

    /// <inheritdoc />
    public IEnumerator<(string Left, string Right)> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
