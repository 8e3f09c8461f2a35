using StarChat.Generation;

namespace StarChat.Server.Scheduling;

/// <summary>log softmax of one row of raw logits: the chosen token's value and the most likely alternatives.</summary>
internal static class TokenLogProbs
{
    /// <summary>log Σ exp(logits), accumulated in double around the maximum so large logits do not overflow.</summary>
    public static double LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (float l in logits)
            if (l > max) max = l;
        if (float.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (float l in logits)
            sum += Math.Exp(l - max);
        return max + Math.Log(sum);
    }

    /// <summary>The <paramref name="count"/> most likely tokens, best first (lowest id first on ties).</summary>
    public static IReadOnlyList<TokenLogProb> Top(ReadOnlySpan<float> logits, double logZ, int count)
    {
        if (count <= 0) return [];
        var best = new List<TokenLogProb>(count + 1);
        for (int i = 0; i < logits.Length; i++)
        {
            float lp = (float)(logits[i] - logZ);
            if (best.Count == count && lp <= best[^1].LogProb) continue;
            int at = best.FindIndex(b => b.LogProb < lp);
            best.Insert(at < 0 ? best.Count : at, new TokenLogProb(i, lp));
            if (best.Count > count) best.RemoveAt(best.Count - 1);
        }
        return best;
    }
}
