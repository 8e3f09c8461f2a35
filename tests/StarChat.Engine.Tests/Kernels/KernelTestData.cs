using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>Rungs, awkward lengths and seeded random inputs shared by the kernel tests.</summary>
internal static class KernelTestData
{
    public static TheoryData<KernelPath> Paths => [KernelPath.Scalar, KernelPath.Vector256, KernelPath.Vector512];

    /// <summary>Every length 0..257 (every tail of both vector widths, several unrolled blocks), plus lengths that
    /// straddle larger powers of two.</summary>
    public static IEnumerable<int> Lengths()
    {
        for (int n = 0; n <= 257; n++)
            yield return n;
        foreach (int n in new[] { 511, 512, 513, 1023, 1024, 1025, 2048 + 7 })
            yield return n;
    }

    public static float[] Uniform(int length, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = low + (high - low) * random.NextSingle();
        return values;
    }
}
