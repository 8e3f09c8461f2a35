using System.Globalization;

namespace StarChat.Training.Tests;

/// <summary>Numeric comparisons that report the first mismatch and the largest difference.</summary>
internal static class NumericAssert
{
    public static void Close(double expected, double actual, double absoluteTolerance, string what)
    {
        if (!(Math.Abs(expected - actual) <= absoluteTolerance))
            Assert.Fail($"{what}: expected {expected.ToString("R", CultureInfo.InvariantCulture)}, got {actual.ToString("R", CultureInfo.InvariantCulture)} (diff {Math.Abs(expected - actual):E3} > {absoluteTolerance:E1})");
    }

    /// <summary>Every element within <paramref name="absoluteTolerance"/>; returns the largest difference.</summary>
    public static double AllClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double absoluteTolerance, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        double max = 0;
        int first = -1;
        for (int i = 0; i < expected.Count; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (!(diff <= absoluteTolerance) && first < 0)
                first = i;
            if (diff > max || double.IsNaN(diff))
                max = double.IsNaN(diff) ? double.PositiveInfinity : diff;
        }
        if (first >= 0)
            Assert.Fail($"{what}: element {first}: expected {expected[first]:R}, got {actual[first]:R}; max diff {max:E3} > {absoluteTolerance:E1}");
        return max;
    }

    public static double Norm(IEnumerable<double> values) => Math.Sqrt(values.Sum(v => v * v));
}
