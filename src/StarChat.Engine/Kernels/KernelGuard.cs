namespace StarChat.Engine.Kernels;

/// <summary>Argument checks shared by the kernel entry points, so each public method validates in one line.</summary>
internal static class KernelGuard
{
    public static void SameLength(int expected, int actual, string parameter)
    {
        if (expected != actual)
            throw new ArgumentException($"length {actual} does not match the expected {expected}", parameter);
    }

    public static void AtLeast(int required, int actual, string parameter)
    {
        if (actual < required)
            throw new ArgumentException($"length {actual} is shorter than the required {required}", parameter);
    }
}
