using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>Float reductions the activation quantizers share.</summary>
internal static class FloatLanes
{
    /// <summary>The largest of the eight lanes (for finite values; NaN handling is vmaxps's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Sse.Shuffle(m, m, 0b01_00_11_10));
        m = Vector128.Max(m, Sse.Shuffle(m, m, 0b10_11_00_01));
        return m.ToScalar();
    }
}
