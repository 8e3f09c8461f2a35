using System.Numerics;
using System.Runtime.CompilerServices;

namespace StarChat.Training.Numerics;

/// <summary>
/// <c>a·b + c</c> on vectors, fused (one rounding) where the CPU has FMA, else a multiply and an add. The scalar
/// reference kernels never fuse, so vector and scalar results may differ in the last bits.
/// </summary>
internal static class Fma
{
    /// <summary>True when fused multiply-add runs in hardware (x64 FMA3, or any Arm64).</summary>
    public static readonly bool IsHardwareAccelerated =
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported;

    /// <summary><c>a·b + c</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MultiplyAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c) where T : unmanaged, INumberBase<T>
    {
        if (IsHardwareAccelerated)
        {
            if (typeof(T) == typeof(float))
                return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
            if (typeof(T) == typeof(double))
                return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        }
        return a * b + c;
    }
}
