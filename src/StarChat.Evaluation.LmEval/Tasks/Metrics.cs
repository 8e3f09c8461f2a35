namespace StarChat.Evaluation.LmEval.Tasks;

/// <summary>The harness's metric helpers: numpy's arg-max, the mean and its standard error.</summary>
public static class Metrics
{
    /// <summary>Index of the first maximum (<c>np.argmax</c>: a NaN counts as the maximum, the first one wins).</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public static int ArgMax(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("arg-max of nothing", nameof(values));
        int best = 0;
        for (int i = 0; i < values.Count; i++)
        {
            if (double.IsNaN(values[i])) return i;
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    /// <summary>The arithmetic mean (the harness's <c>mean</c> aggregation).</summary>
    public static double Mean(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Sum() / values.Count;

    /// <summary>
    /// The harness's <c>mean_stderr</c>: sample standard deviation (n − 1 denominator) over √n; NaN for fewer than two values.
    /// </summary>
    public static double MeanStderr(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n < 2)
            return double.NaN;
        double mu = Mean(values);
        double ss = values.Sum(v => (v - mu) * (v - mu));
        return Math.Sqrt(ss / (n - 1)) / Math.Sqrt(n);
    }
}
