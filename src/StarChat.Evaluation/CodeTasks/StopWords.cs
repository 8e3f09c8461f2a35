namespace StarChat.Evaluation.CodeTasks;

/// <summary>bigcode-evaluation-harness <c>_stop_at_stop_token</c>: cut a generation at its earliest stop word.</summary>
public static class StopWords
{
    /// <summary>
    /// The prefix of <paramref name="generation"/> that ends where the first of <paramref name="stopWords"/> begins
    /// (all of it when none occurs). The generation must not include the prompt, which may contain stop words itself.
    /// </summary>
    public static string Truncate(string generation, IEnumerable<string> stopWords)
    {
        int cut = generation.Length;
        foreach (var word in stopWords)
        {
            if (word.Length == 0) continue;
            int at = generation.IndexOf(word, StringComparison.Ordinal);
            if (at >= 0 && at < cut) cut = at;
        }
        return generation[..cut];
    }
}
