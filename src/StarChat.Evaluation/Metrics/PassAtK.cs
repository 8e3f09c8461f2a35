namespace StarChat.Evaluation.Metrics;

/// <summary>
/// The unbiased pass@k estimator of Chen et al. (openai/human-eval <c>estimate_pass_at_k</c>): with n samples of
/// which c pass, the chance that at least one of k drawn without replacement passes.
/// </summary>
public static class PassAtK
{
    /// <summary>1 − C(n−c, k)/C(n, k), computed as a product so it stays finite for large n.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, c outside [0, n] or k outside [1, n].</exception>
    public static double Estimate(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(c, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (n - c < k) return 1.0;
        double allFail = 1.0;
        for (int i = n - c + 1; i <= n; i++)
            allFail *= 1.0 - (double)k / i;
        return 1.0 - allFail;
    }

    /// <summary>
    /// Mean pass@k over problems given (samples, correct) per problem, or null when some problem has fewer than k
    /// samples (human-eval reports a k only when every problem has at least k).
    /// </summary>
    public static double? Mean(IReadOnlyCollection<(int Samples, int Correct)> problems, int k)
    {
        if (problems.Count == 0 || problems.Any(p => p.Samples < k)) return null;
        return problems.Average(p => Estimate(p.Samples, p.Correct, k));
    }
}
