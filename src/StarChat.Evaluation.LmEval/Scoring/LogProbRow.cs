namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>log_softmax of one row of logits at one token, and whether that token is the row's arg-max.</summary>
internal static class LogProbRow
{
    /// <summary>
    /// <c>log_softmax(logits)[token]</c>, accumulated in double (the harness does it in float32; double is nearer the
    /// float64 reference), and whether <paramref name="token"/> is the first maximum (torch/numpy arg-max rule).
    /// </summary>
    public static (double LogProb, bool IsArgMax) Score(ReadOnlySpan<float> logits, int token)
    {
        int best = 0;
        float max = logits[0];
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > max) { max = logits[i]; best = i; }
        }
        double sum = 0;
        foreach (float l in logits)
            sum += Math.Exp((double)l - max);
        return ((double)logits[token] - max - Math.Log(sum), best == token);
    }

    /// <summary>The first index of the largest logit (greedy decoding).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best]) best = i;
        }
        return best;
    }
}
