namespace StarChat.Generation.Sampling;

/// <summary>Softmax helpers shared by the probability-based warpers (double precision, max-subtracted).</summary>
internal static class Probabilities
{
    /// <summary>softmax(scores) into <paramref name="probs"/>; −∞ scores get probability 0.</summary>
    public static void Softmax(ReadOnlySpan<float> scores, Span<double> probs)
    {
        float max = float.NegativeInfinity;
        foreach (var s in scores)
            if (s > max) max = s;
        if (float.IsNegativeInfinity(max))
        {
            probs.Clear();
            return;
        }
        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double e = Math.Exp((double)scores[i] - max);
            probs[i] = e;
            sum += e;
        }
        for (int i = 0; i < probs.Length; i++)
            probs[i] /= sum;
    }

    /// <summary>Indices ordered by score, ascending or descending; ties keep index order.</summary>
    public static int[] SortedIndices(ReadOnlySpan<float> scores, bool descending)
    {
        var keys = scores.ToArray();
        var idx = new int[keys.Length];
        for (int i = 0; i < idx.Length; i++) idx[i] = i;
        if (descending)
            for (int i = 0; i < keys.Length; i++) keys[i] = -keys[i];
        // Array.Sort is not stable; sorting (key, index) pairs makes ties deterministic.
        var pairs = new (float Key, int Index)[keys.Length];
        for (int i = 0; i < pairs.Length; i++) pairs[i] = (keys[i], i);
        Array.Sort(pairs, static (a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Index.CompareTo(b.Index));
        for (int i = 0; i < pairs.Length; i++) idx[i] = pairs[i].Index;
        return idx;
    }
}
