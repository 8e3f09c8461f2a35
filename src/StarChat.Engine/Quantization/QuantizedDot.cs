using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Quantization;

/// <summary>
/// Dot products of a quantized weight row with an activation row quantized to 8 bits, the way ggml's CPU backend
/// computes quantized matmuls: integer products summed per block, then scaled. These are ggml's
/// <c>ggml_vec_dot_*_generic</c> reference kernels, in the same float order; vectorized kernels must agree with
/// them (exactly in the integer part, to float rounding in the scaling).
/// </summary>
public static class QuantizedDot
{
    /// <summary>True when <paramref name="weightType"/> has a quantized dot product.</summary>
    public static bool IsSupported(TensorType weightType) => weightType switch
    {
        TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q8_0
            or TensorType.Q2_K or TensorType.Q3_K or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K
            or TensorType.IQ4_NL => true,
        _ => false,
    };

    /// <summary>
    /// The format the activations must be quantized to (with <see cref="Quantize.Row"/>) for a dot product with
    /// <paramref name="weightType"/> weights: Q8_0 for Q4_0, Q5_0, Q8_0 and IQ4_NL; Q8_1 (which carries d·Σq) for
    /// Q4_1 and Q5_1; Q8_K (with its group sums) for the K-quants. ggml's <c>vec_dot_type</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">No quantized dot product for <paramref name="weightType"/>.</exception>
    public static TensorType ActivationType(TensorType weightType) => weightType switch
    {
        TensorType.Q4_0 or TensorType.Q5_0 or TensorType.Q8_0 or TensorType.IQ4_NL => TensorType.Q8_0,
        TensorType.Q4_1 or TensorType.Q5_1 => TensorType.Q8_1,
        TensorType.Q2_K or TensorType.Q3_K or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K => TensorType.Q8_K,
        _ => throw new NotSupportedException($"no quantized dot product for tensor type {(uint)weightType} ({weightType})"),
    };

    /// <summary>
    /// Σ w·a over one row: <paramref name="weights"/> holds whole blocks of <paramref name="weightType"/>,
    /// <paramref name="activations"/> the same number of values in <see cref="ActivationType"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">No quantized dot product for <paramref name="weightType"/>.</exception>
    /// <exception cref="ArgumentException">A row is not whole blocks, or the two rows differ in length.</exception>
    public static float Row(TensorType weightType, ReadOnlySpan<byte> weights, ReadOnlySpan<byte> activations)
    {
        TensorType activationType = ActivationType(weightType);
        int weightBlockBytes = TensorTypeInfo.BlockBytes(weightType);
        if (weights.Length % weightBlockBytes != 0)
            throw new ArgumentException($"{weights.Length} bytes are not whole {weightType} blocks of {weightBlockBytes}", nameof(weights));
        int blocks = weights.Length / weightBlockBytes;
        QuantArgs.CheckBytes(activations.Length, (long)blocks * TensorTypeInfo.BlockBytes(activationType), nameof(activations));

        return weightType switch
        {
            TensorType.Q4_0 => Q4_0.Dot(MemoryMarshal.Cast<byte, BlockQ4_0>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            TensorType.Q4_1 => Q4_1.Dot(MemoryMarshal.Cast<byte, BlockQ4_1>(weights), MemoryMarshal.Cast<byte, BlockQ8_1>(activations)),
            TensorType.Q5_0 => Q5_0.Dot(MemoryMarshal.Cast<byte, BlockQ5_0>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            TensorType.Q5_1 => Q5_1.Dot(MemoryMarshal.Cast<byte, BlockQ5_1>(weights), MemoryMarshal.Cast<byte, BlockQ8_1>(activations)),
            TensorType.Q8_0 => Q8_0.Dot(MemoryMarshal.Cast<byte, BlockQ8_0>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            TensorType.IQ4_NL => IQ4_NL.Dot(MemoryMarshal.Cast<byte, BlockIQ4_NL>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            TensorType.Q2_K => Q2_K.Dot(MemoryMarshal.Cast<byte, BlockQ2_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            TensorType.Q3_K => Q3_K.Dot(MemoryMarshal.Cast<byte, BlockQ3_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            TensorType.Q4_K => Q4_K.Dot(MemoryMarshal.Cast<byte, BlockQ4_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            TensorType.Q5_K => Q5_K.Dot(MemoryMarshal.Cast<byte, BlockQ5_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            TensorType.Q6_K => Q6_K.Dot(MemoryMarshal.Cast<byte, BlockQ6_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            _ => throw new NotSupportedException($"no quantized dot product for tensor type {(uint)weightType} ({weightType})"),
        };
    }
}
