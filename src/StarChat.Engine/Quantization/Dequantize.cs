using System.Buffers.Binary;
using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Quantization;

/// <summary>
/// Converts stored tensor data of any known <see cref="TensorType"/> to f32. Quantized types decode bit for bit as
/// ggml's <c>dequantize_row_*</c> (scales widened from f16 first, then the same f32 operations in the same order).
/// Scalar reference code: vectorized kernels are checked against it. Block scales are read through packed structs,
/// which assumes a little-endian host (every platform .NET 10 runs on).
/// </summary>
public static class Dequantize
{
    /// <summary>True when <see cref="Row"/> can decode <paramref name="type"/>.</summary>
    public static bool IsSupported(TensorType type) => type switch
    {
        TensorType.F32 or TensorType.F16 or TensorType.BF16 or TensorType.F64
            or TensorType.I8 or TensorType.I16 or TensorType.I32 or TensorType.I64 or TensorType.U8 or TensorType.Bool
            or TensorType.Q4_0 or TensorType.Q4_1 or TensorType.Q5_0 or TensorType.Q5_1 or TensorType.Q8_0 or TensorType.Q8_1
            or TensorType.Q2_K or TensorType.Q3_K or TensorType.Q4_K or TensorType.Q5_K or TensorType.Q6_K or TensorType.Q8_K
            or TensorType.IQ4_NL or TensorType.Q8_SCB or TensorType.Q4_GPTQ => true,
        _ => false,
    };

    /// <summary>
    /// Decodes <c>dst.Length</c> consecutive elements (usually one row) stored as <paramref name="type"/> in
    /// <paramref name="src"/>, which must hold exactly their bytes. Any byte alignment is fine. Integers convert to
    /// the nearest f32, f64 rounds to nearest even, Bool gives 0 or 1.
    /// </summary>
    /// <exception cref="NotSupportedException"><paramref name="type"/> has no decoder (<see cref="IsSupported"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="dst"/> does not fill whole blocks, or <paramref name="src"/> has the wrong size.</exception>
    public static void Row(TensorType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (!IsSupported(type))
            throw new NotSupportedException($"cannot dequantize tensor type {(uint)type} ({type})");
        int blockSize = TensorTypeInfo.BlockSize(type);
        if (dst.Length % blockSize != 0)
            throw new ArgumentException($"{dst.Length} values do not fill whole {type} blocks of {blockSize}", nameof(dst));
        QuantArgs.CheckBytes(src.Length, TensorTypeInfo.ByteCount(type, dst.Length), nameof(src));

        switch (type)
        {
            case TensorType.F32: src.CopyTo(MemoryMarshal.AsBytes(dst)); break;
            case TensorType.F16: Fp16.ToSingle(src, dst); break;
            case TensorType.BF16: Bf16.ToSingle(src, dst); break;
            case TensorType.F64:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                break;
            case TensorType.I8:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (sbyte)src[i];
                break;
            case TensorType.U8:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = src[i];
                break;
            case TensorType.Bool:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = src[i] != 0 ? 1f : 0f;
                break;
            case TensorType.I16:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]);
                break;
            case TensorType.I32:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]);
                break;
            case TensorType.I64:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i)..]);
                break;
            case TensorType.Q4_0: Q4_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_0>(src), dst); break;
            case TensorType.Q4_1: Q4_1.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_1>(src), dst); break;
            case TensorType.Q5_0: Q5_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ5_0>(src), dst); break;
            case TensorType.Q5_1: Q5_1.Dequantize(MemoryMarshal.Cast<byte, BlockQ5_1>(src), dst); break;
            case TensorType.Q8_0: Q8_0.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_0>(src), dst); break;
            case TensorType.Q8_1: Q8_1.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_1>(src), dst); break;
            case TensorType.Q2_K: Q2_K.Dequantize(MemoryMarshal.Cast<byte, BlockQ2_K>(src), dst); break;
            case TensorType.Q3_K: Q3_K.Dequantize(MemoryMarshal.Cast<byte, BlockQ3_K>(src), dst); break;
            case TensorType.Q4_K: Q4_K.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_K>(src), dst); break;
            case TensorType.Q5_K: Q5_K.Dequantize(MemoryMarshal.Cast<byte, BlockQ5_K>(src), dst); break;
            case TensorType.Q6_K: Q6_K.Dequantize(MemoryMarshal.Cast<byte, BlockQ6_K>(src), dst); break;
            case TensorType.Q8_K: Q8_K.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_K>(src), dst); break;
            case TensorType.IQ4_NL: IQ4_NL.Dequantize(MemoryMarshal.Cast<byte, BlockIQ4_NL>(src), dst); break;
            case TensorType.Q8_SCB: Q8_SCB.Dequantize(MemoryMarshal.Cast<byte, BlockQ8_SCB>(src), dst); break;
            case TensorType.Q4_GPTQ: Q4_GPTQ.Dequantize(MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(src), dst); break;
        }
    }
}
