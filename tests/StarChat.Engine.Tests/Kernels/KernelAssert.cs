namespace StarChat.Engine.Tests.Kernels;

/// <summary>Comparisons of float kernel output against double-precision references, with the first mismatch in the message.</summary>
internal static class KernelAssert
{
    public static void Close(double expected, float actual, double tolerance, string context)
    {
        if (expected == actual || (double.IsNaN(expected) && float.IsNaN(actual)))
            return;
        double error = Math.Abs(expected - actual);
        if (!(error <= tolerance))
            Assert.Fail($"{context}: expected {expected:R}, got {actual:R} (error {error:E3} > tolerance {tolerance:E3})");
    }

    /// <summary>A dot product of f16 bit patterns <paramref name="w"/> with <paramref name="x"/> within
    /// relative·Σ|w·x| of the float64 sum over the exact halves.</summary>
    public static void HalfDotClose(ReadOnlySpan<ushort> w, ReadOnlySpan<float> x, float actual, double relative)
    {
        double expected = 0, magnitude = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double product = (double)BitConverter.UInt16BitsToHalf(w[i]) * x[i];
            expected += product;
            magnitude += Math.Abs(product);
        }
        Assert.InRange(actual, expected - relative * magnitude - 1e-30, expected + relative * magnitude + 1e-30);
    }

    /// <summary>Element-wise |expected − actual| ≤ relative·max(|expected|, floor).</summary>
    public static void AllClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double floor, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), floor);
            double error = Math.Abs(expected[i] - actual[i]);
            worst = Math.Max(worst, error);
            if (!(error <= tolerance))
                Assert.Fail($"{context}: first mismatch at [{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E3} > {tolerance:E3})");
        }
    }
}
