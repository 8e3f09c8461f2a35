using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Quantization;

/// <summary>
/// Converts f32 values to a stored <see cref="TensorType"/> exactly as llama-quantize does without an importance
/// matrix (ggml's <c>quantize_row_*_ref</c>; IQ4_NL as <c>quantize_iq4_nl</c>), so the bytes equal those of
/// llama.cpp's tools. F16 and BF16 round to nearest even as ggml does. Q8_0, Q8_1 and Q8_K also serve as the
/// activation formats of the quantized dot products (<see cref="QuantizedDot"/>). Non-finite inputs give blocks
/// that decode to unspecified values, as in ggml, but never throw.
/// </summary>
public static class Quantize
{
    /// <summary>True when <see cref="Row"/> can produce <paramref name="type"/>.</summary>
    public static bool IsSupported(TensorType type) => type switch
    {
        TensorType.F32 or TensorType.F16 or TensorType.BF16
            or TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q8_0 or TensorType.Q8_1
            or TensorType.Q2_K or TensorType.Q3_K or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K or TensorType.Q8_K
            or TensorType.IQ4_NL => true,
        _ => false,
    };

    /// <summary>
    /// Encodes <c>src.Length</c> values (whole blocks of <paramref name="type"/>; a row, or several rows back to
    /// back since blocks never straddle rows) into <paramref name="dst"/>, which must be exactly their size.
    /// </summary>
    /// <exception cref="NotSupportedException"><paramref name="type"/> has no quantizer (<see cref="IsSupported"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="src"/> does not fill whole blocks, or <paramref name="dst"/> has the wrong size.</exception>
    public static void Row(TensorType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (!IsSupported(type))
            throw new NotSupportedException($"cannot quantize to tensor type {(uint)type} ({type})");
        int blockSize = TensorTypeInfo.BlockSize(type);
        if (src.Length % blockSize != 0)
            throw new ArgumentException($"{src.Length} values do not fill whole {type} blocks of {blockSize}", nameof(src));
        QuantArgs.CheckBytes(dst.Length, TensorTypeInfo.ByteCount(type, src.Length), nameof(dst));

        switch (type)
        {
            case TensorType.F32: MemoryMarshal.AsBytes(src).CopyTo(dst); break;
            case TensorType.F16: Fp16.FromSingle(src, dst); break;
            case TensorType.BF16: Bf16.FromSingle(src, dst); break;
            case TensorType.Q4_0: Q4_0.Quantize(src, MemoryMarshal.Cast<byte, BlockQ4_0>(dst)); break;
            case TensorType.Q4_1: Q4_1.Quantize(src, MemoryMarshal.Cast<byte, BlockQ4_1>(dst)); break;
            case TensorType.Q5_0: Q5_0.Quantize(src, MemoryMarshal.Cast<byte, BlockQ5_0>(dst)); break;
            case TensorType.Q5_1: Q5_1.Quantize(src, MemoryMarshal.Cast<byte, BlockQ5_1>(dst)); break;
            case TensorType.Q8_0: Q8_0.Quantize(src, MemoryMarshal.Cast<byte, BlockQ8_0>(dst)); break;
            case TensorType.Q8_1: Q8_1.Quantize(src, MemoryMarshal.Cast<byte, BlockQ8_1>(dst)); break;
            case TensorType.Q2_K: Q2_K.Quantize(src, MemoryMarshal.Cast<byte, BlockQ2_K>(dst)); break;
            case TensorType.Q3_K: Q3_K.Quantize(src, MemoryMarshal.Cast<byte, BlockQ3_K>(dst)); break;
            case TensorType.Q4_K: Q4_K.Quantize(src, MemoryMarshal.Cast<byte, BlockQ4_K>(dst)); break;
            case TensorType.Q5_K: Q5_K.Quantize(src, MemoryMarshal.Cast<byte, BlockQ5_K>(dst)); break;
            case TensorType.Q6_K: Q6_K.Quantize(src, MemoryMarshal.Cast<byte, BlockQ6_K>(dst)); break;
            case TensorType.Q8_K: Q8_K.Quantize(src, MemoryMarshal.Cast<byte, BlockQ8_K>(dst)); break;
            case TensorType.IQ4_NL: IQ4_NL.Quantize(src, MemoryMarshal.Cast<byte, BlockIQ4_NL>(dst)); break;
        }
    }
}
