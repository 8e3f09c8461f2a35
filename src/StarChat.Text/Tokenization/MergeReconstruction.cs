namespace StarChat.Text.Tokenization;

/// <summary>
/// Recovers BPE merges from a vocabulary alone, for files that store no merges (legacy GGML starcoder files keep
/// only each token's bytes). In a BPE vocabulary every token past the byte alphabet was made by one merge, in id
/// order. So, walking the tokens in id order, each token's merge is found by encoding its own string with the merges
/// recovered so far: the two symbols left are the pair it was made from. On the StarCoder vocabulary this recovers
/// all 48,891 merges exactly (checked against the GGUF merge list in the tests).
/// </summary>
public static class MergeReconstruction
{
    /// <summary>Merges for byte-level <paramref name="tokens"/> (by id); ids in <paramref name="skip"/> (added tokens) are left out.</summary>
    /// <param name="tokens">Byte-level token strings by id (null for holes).</param>
    /// <param name="skip">Ids that are not BPE products (special/added tokens).</param>
    /// <param name="origin">Names the source in errors.</param>
    /// <returns>The merges in rank order.</returns>
    /// <exception cref="TokenizerFormatException">A token cannot be split into two earlier tokens.</exception>
    public static IReadOnlyList<(string Left, string Right)> FromVocabulary(IReadOnlyList<string?> tokens, IReadOnlySet<int> skip, string origin)
    {
        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int id = 0; id < tokens.Count; id++)
            if (tokens[id] is { } t && !skip.Contains(id))
                ids.TryAdd(t, id);

        var ranks = new Dictionary<(string, string), int>();
        var merges = new List<(string, string)>();
        var symbols = new List<string>();
        for (int id = 0; id < tokens.Count; id++)
        {
            var token = tokens[id];
            if (token is null || token.Length < 2 || skip.Contains(id) || ids[token] != id)
                continue;
            var pair = SplitByEncoding(token, ranks, symbols) ?? SplitByEarliest(token, id, ids)
                ?? throw new TokenizerFormatException(origin, $"tokens[{id}]", $"'{token}' is not the product of two earlier tokens; the vocabulary is not a BPE vocabulary");
            if (ranks.TryAdd(pair, merges.Count))
                merges.Add(pair);
        }
        return merges;
    }

    private static (string, string)? SplitByEncoding(string token, Dictionary<(string, string), int> ranks, List<string> symbols)
    {
        symbols.Clear();
        foreach (char c in token)
            symbols.Add(c.ToString());
        while (symbols.Count > 2)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (ranks.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank)
                {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0)
                return null;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
        return symbols.Count == 2 ? (symbols[0], symbols[1]) : null;
    }

    // Fallback when encoding does not end in two symbols: the split into two earlier tokens whose later part is oldest.
    private static (string, string)? SplitByEarliest(string token, int id, Dictionary<string, int> ids)
    {
        (string, string)? best = null;
        int bestMax = int.MaxValue;
        for (int i = 1; i < token.Length; i++)
        {
            if (ids.TryGetValue(token[..i], out int a) && ids.TryGetValue(token[i..], out int b) && a < id && b < id && Math.Max(a, b) < bestMax)
            {
                bestMax = Math.Max(a, b);
                best = (token[..i], token[i..]);
            }
        }
        return best;
    }
}
