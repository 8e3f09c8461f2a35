using System.Runtime.CompilerServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// Quantized weight row · 8-bit activation row (<see cref="QuantizedDot.ActivationType"/>) on a SIMD rung. Types
/// with a vector kernel here: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K; every other type, the scalar rung, and rungs the CPU
/// lacks use <see cref="QuantizedDot.Row"/>, ggml's generic reference. Integer block sums are exact on every rung;
/// only the order of the f32 scaling differs from the reference.
/// </summary>
internal static unsafe partial class IntegerDot
{
    /// <summary>True when <paramref name="type"/> has a vector kernel that runs on <paramref name="path"/> here.</summary>
    public static bool HasVectorKernel(TensorType type, KernelPath path)
        => Int8Lanes.Runs(path) && type is TensorType.Q8_0 or TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q2_K or TensorType.Q3_K or TensorType.Q6_K or TensorType.Q4_K or TensorType.Q5_K;

    /// <summary>Σ w·a for one row of whole blocks; the lengths must match (checked by the reference path only).</summary>
    public static float Row(TensorType type, KernelPath path, ReadOnlySpan<byte> weights, ReadOnlySpan<byte> activations)
    {
        if (!HasVectorKernel(type, path))
            return QuantizedDot.Row(type, weights, activations);
        int blocks = weights.Length / TensorTypeInfo.BlockBytes(type);
        fixed (byte* w = weights)
        fixed (byte* a = activations)
            return Row(type, path, w, a, blocks);
    }

    /// <summary>Pointer form for the matmul loop, which has checked the sizes once per call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Row(TensorType type, KernelPath path, byte* w, byte* a, int blocks) => type switch
    {
        TensorType.Q8_0 => path == KernelPath.Vector512 ? Q8_0x512(w, a, blocks) : Q8_0x256(w, a, blocks),
        TensorType.Q4_0 => path == KernelPath.Vector512 ? Q4_0x512(w, a, blocks) : Q4_0x256(w, a, blocks),
        TensorType.Q4_1 => Q4_1x256(w, a, blocks),
        TensorType.Q5_0 => Q5_0x256(w, a, blocks),
        TensorType.Q5_1 => Q5_1x256(w, a, blocks),
        TensorType.Q2_K => Q2_Kx256(w, a, blocks),
        TensorType.Q3_K => Q3_Kx256(w, a, blocks),
        TensorType.Q6_K => Q6_Kx256(w, a, blocks),
        TensorType.Q4_K => Q4_Kx256(w, a, blocks),
        TensorType.Q5_K => Q5_Kx256(w, a, blocks),
        _ => throw new NotSupportedException($"no vector kernel for {type}"),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Half(byte* p) => HalfTable.At(p);
}
