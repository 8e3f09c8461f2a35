using System.Buffers;
using System.Collections.Concurrent;

namespace StarChat.Text.Tokenization;

/// <summary>
/// Byte-level BPE over token ids: a word's UTF-8 bytes become byte-symbol ids, then adjacent pairs merge by rank
/// (lowest first, leftmost on ties) until no ranked pair is left — the semantics of Hugging Face <c>tokenizers</c>'
/// BPE model with no dropout and no unknown token (a byte with no symbol in the vocabulary is dropped, as upstream).
/// Results are cached per word; the cache is safe for concurrent use.
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedWordLength = 256;
    private const int CacheCapacity = 100_000;
    private const int QuadraticLimit = 48;

    private readonly int[] _byteToId;
    private readonly MergeTable _merges;
    private readonly Dictionary<string, int>? _wholeWords;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    /// <summary>Builds the model from id → byte-level string and the ranked merges.</summary>
    /// <param name="tokens">Byte-level token strings by id (null entries for ids that are not byte-level, e.g. added tokens).</param>
    /// <param name="merges">Merge pairs, highest priority first.</param>
    /// <param name="ignoreMerges">Hugging Face <c>ignore_merges</c>: a word that is itself in the vocabulary maps to it directly.</param>
    /// <param name="unkId">Id emitted for a byte with no symbol; null drops such bytes, as upstream does without an unknown token.</param>
    /// <param name="origin">Names the source in error messages.</param>
    /// <exception cref="TokenizerFormatException">A merge refers to a string that is not in the vocabulary.</exception>
    public BpeModel(IReadOnlyList<string?> tokens, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, int? unkId, string origin)
        : this(Vocabulary(tokens), tokens, merges, ignoreMerges, unkId, origin)
    {
    }

    /// <summary>Builds the model from a byte-level string → id map (only read here; copied when kept for <paramref name="ignoreMerges"/>).</summary>
    /// <param name="ids">Byte-level token string → id (<see cref="Vocabulary"/> of <paramref name="tokens"/>).</param>
    /// <param name="tokens">Byte-level token strings by id.</param>
    /// <param name="merges">Merge pairs, highest priority first (<see cref="MergeLines"/> are read without splitting them into strings).</param>
    /// <param name="ignoreMerges">Hugging Face <c>ignore_merges</c>: a word that is itself in the vocabulary maps to it directly.</param>
    /// <param name="unkId">Id emitted for a byte with no symbol; null drops such bytes.</param>
    /// <param name="origin">Names the source in error messages.</param>
    /// <exception cref="TokenizerFormatException">A merge refers to a string that is not in the vocabulary, or a merge line is malformed.</exception>
    public BpeModel(Dictionary<string, int> ids, IReadOnlyList<string?> tokens, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, int? unkId, string origin)
    {
        _byteToId = new int[256];
        for (int b = 0; b < 256; b++)
            _byteToId[b] = ids.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out var id) ? id : unkId ?? -1;

        var lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        var lines = merges as MergeLines;
        Span<char> lineBuffer = stackalloc char[256], joinedBuffer = stackalloc char[256];
        // Vocabularies made by training BPE list each merge's result right after the previous one's: the token at the
        // last result's distance from its rank is compared first, and the string → id lookup is made only when that
        // guess fails (a tenth of the cost). A string listed twice maps to its first id, so then every merge looks it up.
        bool guessing = ids.Count == NonNullCount(tokens);
        int distance = 0;
        _merges = new MergeTable(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            scoped ReadOnlySpan<char> left, right;
            if (lines is not null)
            {
                var line = lines.Line(rank, lineBuffer, out int space);
                left = line[..space];
                right = line[(space + 1)..];
            }
            else
            {
                var (l, r) = merges[rank];
                left = l;
                right = r;
            }
            if (!lookup.TryGetValue(left, out int a) || !lookup.TryGetValue(right, out int b))
                throw new TokenizerFormatException(origin, $"merges[{rank}]", $"merge '{left} {right}' uses a token that is not in the vocabulary");
            int merged = rank + distance;
            if (!guessing || !IsConcatenation(tokens, merged, left, right))
            {
                // The merged string is looked up without allocating it.
                int length = left.Length + right.Length;
                var pair = length <= joinedBuffer.Length ? joinedBuffer[..length] : new char[length];
                left.CopyTo(pair);
                right.CopyTo(pair[left.Length..]);
                if (!lookup.TryGetValue(pair, out merged))
                    throw new TokenizerFormatException(origin, $"merges[{rank}]", $"merge '{left} {right}' produces '{pair}', which is not in the vocabulary");
                distance = merged - rank;
            }
            _merges.TryAdd(a, b, new Merge(rank, merged));
        }

        if (ignoreMerges)
            _wholeWords = new Dictionary<string, int>(ids, StringComparer.Ordinal);
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static int NonNullCount(IReadOnlyList<string?> tokens)
    {
        int count = 0;
        for (int id = 0; id < tokens.Count; id++)
            count += tokens[id] is null ? 0 : 1;
        return count;
    }

    private static bool IsConcatenation(IReadOnlyList<string?> tokens, int id, ReadOnlySpan<char> left, ReadOnlySpan<char> right)
        => (uint)id < (uint)tokens.Count && tokens[id] is { } token && token.Length == left.Length + right.Length
            && token.AsSpan().StartsWith(left, StringComparison.Ordinal) && token.AsSpan(left.Length).SequenceEqual(right);

    /// <summary>Byte-level string → id; a string listed twice keeps its first id.</summary>
    internal static Dictionary<string, int> Vocabulary(IReadOnlyList<string?> tokens)
    {
        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++)
        {
            if (tokens[id] is { } t)
                ids.TryAdd(t, id);
        }
        return ids;
    }

    /// <summary>Number of merges.</summary>
    public int MergeCount => _merges.Count;

    /// <summary>Appends the ids of one pre-token.</summary>
    public void EncodeWord(ReadOnlySpan<char> word, List<int> output)
    {
        if (word.Length <= MaxCachedWordLength && _cacheLookup.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        int maxBytes = word.Length * 3;
        byte[]? rented = null;
        Span<byte> utf8 = maxBytes <= 1024 ? stackalloc byte[maxBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        // Lone surrogates become U+FFFD (EF BF BD), as a Rust string would hold them.
        int n = System.Text.Encoding.UTF8.GetBytes(word, utf8);
        int[] result = EncodeBytes(utf8[..n]);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);

        output.AddRange(result);
        if (word.Length <= MaxCachedWordLength && _cache.Count < CacheCapacity)
            _cacheLookup.TryAdd(word, result);
    }

    private int[] EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        if (_wholeWords is not null && bytes.Length > 1)
        {
            var lookup = _wholeWords.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(ByteLevelAlphabet.Encode(bytes), out int whole))
                return [whole];
        }

        int[] symbols = ArrayPool<int>.Shared.Rent(Math.Max(1, bytes.Length));
        int count = 0;
        foreach (byte b in bytes)
        {
            int id = _byteToId[b];
            if (id >= 0)
                symbols[count++] = id;
        }
        int[] result = count <= QuadraticLimit
            ? MergeQuadratic(symbols.AsSpan(0, count))
            : MergeWithHeap(symbols.AsSpan(0, count));
        ArrayPool<int>.Shared.Return(symbols);
        return result;
    }

    /// <summary>Short words: repeatedly merge the lowest-ranked (then leftmost) adjacent pair.</summary>
    internal int[] MergeQuadratic(Span<int> symbols)
    {
        int count = symbols.Length;
        while (count > 1)
        {
            int bestRank = int.MaxValue, bestPos = -1, bestId = 0;
            for (int i = 0; i + 1 < count; i++)
            {
                if (_merges.TryGet(symbols[i], symbols[i + 1], out var m) && m.Rank < bestRank)
                {
                    bestRank = m.Rank;
                    bestPos = i;
                    bestId = m.NewId;
                }
            }
            if (bestPos < 0)
                break;
            symbols[bestPos] = bestId;
            symbols.Slice(bestPos + 2, count - bestPos - 2).CopyTo(symbols[(bestPos + 1)..]);
            count--;
        }
        return symbols[..count].ToArray();
    }

    /// <summary>
    /// Long words: a min-heap of (rank, position) over a linked list of symbols, O(n log n), so a megabyte-long
    /// word cannot stall the tokenizer. Gives the same result as <see cref="MergeQuadratic"/>.
    /// </summary>
    internal int[] MergeWithHeap(Span<int> symbols)
    {
        int n = symbols.Length;
        if (n == 0) return [];
        var id = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        var heap = new PriorityQueue<(int Pos, int Right, int NewId), (int Rank, int Pos)>();
        for (int i = 0; i + 1 < n; i++)
        {
            if (_merges.TryGet(id[i], id[i + 1], out var m))
                heap.Enqueue((i, i + 1, m.NewId), (m.Rank, i));
        }
        while (heap.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            // Stale entries: either side merged away or changed since the pair was queued.
            if (!alive[pos] || next[pos] != top.Right || !alive[top.Right])
                continue;
            if (!_merges.TryGet(id[pos], id[top.Right], out var current) || current.NewId != top.NewId)
                continue;
            int right = top.Right;
            id[pos] = top.NewId;
            alive[right] = false;
            next[pos] = next[right];
            if (next[right] >= 0)
                prev[next[right]] = pos;
            if (prev[pos] >= 0 && _merges.TryGet(id[prev[pos]], id[pos], out var left))
                heap.Enqueue((prev[pos], pos, left.NewId), (left.Rank, prev[pos]));
            if (next[pos] >= 0 && _merges.TryGet(id[pos], id[next[pos]], out var after))
                heap.Enqueue((pos, next[pos], after.NewId), (after.Rank, pos));
        }
        var result = new List<int>(n);
        for (int i = 0; i >= 0 && i < n; i = next[i])
            result.Add(id[i]);
        return [.. result];
    }
}
