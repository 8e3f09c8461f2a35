using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// The integer core of the quantized dot products: byte products summed four at a time into int32 lanes with
/// <c>vpmaddubsw</c> + <c>vpmaddwd</c> (ggml's <c>mul_sum_i8_pairs</c> / <c>mul_sum_us8_pairs</c>). <c>vpmaddubsw</c>
/// multiplies unsigned by signed bytes, so a signed·signed product moves x's sign onto y first (ggml's sign trick).
/// Callers keep the int16 pair sums in range: |x|·|y|·2 ≤ 32767 (activations are −127…127, never −128).
/// </summary>
internal static class Int8Lanes
{
    /// <summary>True when <paramref name="path"/>'s integer kernels run here (else callers use the scalar reference).</summary>
    /// <remarks>The Vector512 rung needs AVX-512BW for its byte products; without it, each 512-bit product is done as
    /// two AVX2 halves, so the rung's data layout is still exercised (and tested) on AVX2-only machines.</remarks>
    public static bool Runs(KernelPath path) => path switch
    {
        KernelPath.Vector256 => Avx2.IsSupported,
        KernelPath.Vector512 => Avx512BW.IsSupported || Avx2.IsSupported,
        _ => false,
    };

    /// <summary>8 lanes, lane i = Σ_{k&lt;4} x[4i+k]·y[4i+k] for signed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SignedDot(Vector256<sbyte> x, Vector256<sbyte> y)
        => UnsignedDot(Avx2.Abs(x), Avx2.Sign(y, x));

    /// <summary>8 lanes, lane i = Σ_{k&lt;4} u[4i+k]·y[4i+k] for unsigned u, signed y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> UnsignedDot(Vector256<byte> u, Vector256<sbyte> y)
        => Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, y), Vector256<short>.One);

    /// <summary>True when the byte products can go straight into int32 lanes with AVX-VNNI's <c>vpdpbusd</c> (Zen 5, Intel
    /// since Alder Lake and Sapphire Rapids): one instruction for a <c>vpmaddubsw</c>, a <c>vpmaddwd</c> and an add.</summary>
    /// <remarks>.NET 10 exposes only the VEX (256-bit) form; AVX-512 VNNI's 512-bit form (Zen 4) is not reachable.
    /// <c>DOTNET_EnableAVXVNNI=0</c> turns it off, which the ISA knob tests use to run the other form here too.
    /// Both give the same int32 sums: the int16 pairs of the other form never saturate for the callers' ranges.</remarks>
    public static bool HasVnni => AvxVnni.IsSupported;

    /// <summary>8 lanes of pair sums u·y (int16, as <c>vpmaddubsw</c>) weighted by <paramref name="scales"/> and summed in pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ScaledDot(Vector256<byte> u, Vector256<sbyte> y, Vector256<short> scales)
        => Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, y), scales);

    /// <summary>16 lanes, lane i = Σ_{k&lt;4} x[4i+k]·y[4i+k] for signed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> SignedDot(Vector512<sbyte> x, Vector512<sbyte> y)
    {
        if (Avx512BW.IsSupported)
        {
            // AVX-512 has no vpsignb: negate y where x is negative (where x is 0, |x| = 0 makes y irrelevant).
            var signedY = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<sbyte>.Zero), -y, y);
            return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Avx512BW.Abs(x), signedY), Vector512<short>.One);
        }
        return Vector512.Create(SignedDot(x.GetLower(), y.GetLower()), SignedDot(x.GetUpper(), y.GetUpper()));
    }
}
