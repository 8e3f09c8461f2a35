namespace StarChat.Training.Tests.Ops;

/// <summary>Central finite differences in float64, compared with an analytic gradient (test-backend-ops style).</summary>
internal static class FiniteDifference
{
    private const double Step = 1e-5;

    /// <summary>
    /// For each index (all when null), (f(x + h·e_i) − f(x − h·e_i)) / 2h must match <paramref name="analytic"/>[i]
    /// within <paramref name="tolerance"/> relative to max(1, |analytic|).
    /// </summary>
    public static void Check(string what, double[] x, double[] analytic, Func<double> objective, double tolerance = 1e-7, IEnumerable<int>? indices = null)
    {
        Assert.Equal(x.Length, analytic.Length);
        foreach (int i in indices ?? Enumerable.Range(0, x.Length))
        {
            double saved = x[i];
            x[i] = saved + Step;
            double plus = objective();
            x[i] = saved - Step;
            double minus = objective();
            x[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            double scale = Math.Max(1, Math.Abs(analytic[i]));
            if (!(Math.Abs(numeric - analytic[i]) <= tolerance * scale))
                Assert.Fail($"{what}[{i}]: analytic {analytic[i]:R}, finite difference {numeric:R} (diff {Math.Abs(numeric - analytic[i]):E2})");
        }
    }

    public static double[] Random(int count, int seed, double scale = 1, double mean = 0)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => mean + scale * (2 * random.NextDouble() - 1))];
    }

    public static double WeightedSum(double[] weights, double[] values, int count)
    {
        double sum = 0;
        for (int i = 0; i < count; i++)
            sum += weights[i] * values[i];
        return sum;
    }
}
