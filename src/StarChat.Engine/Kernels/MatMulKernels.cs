using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>The <see cref="IMatMulKernel"/> for each weight type. F32, F16, BF16 and every dequantizable block type are registered from the start.</summary>
public static class MatMulKernels
{
    private static readonly Lock s_gate = new();
    private static ImmutableDictionary<TensorType, IMatMulKernel> s_kernels = BuiltIn();

    // Block-quantized types start on the exact dequantize-then-f32 path; faster integer kernels replace them by type.
    private static ImmutableDictionary<TensorType, IMatMulKernel> BuiltIn()
    {
        var kernels = ImmutableDictionary.CreateBuilder<TensorType, IMatMulKernel>();
        kernels[TensorType.F32] = new F32MatMulKernel();
        kernels[TensorType.F16] = new F16MatMulKernel();
        kernels[TensorType.BF16] = new BF16MatMulKernel();
        foreach (var type in Enum.GetValues<TensorType>())
        {
            if (TensorTypeInfo.IsKnown(type) && TensorTypeInfo.IsQuantized(type) && Quantization.Dequantize.IsSupported(type))
                kernels[type] = new DequantizingMatMulKernel(type);
        }
        kernels[TensorType.Q8_SCB] = new WideningMatMulKernel(TensorType.Q8_SCB,
            (path, row, x) => VectorMath.DotQ8Scb(path, MemoryMarshal.Cast<byte, BlockQ8_SCB>(row), x));
        kernels[TensorType.Q4_GPTQ] = new WideningMatMulKernel(TensorType.Q4_GPTQ,
            (path, row, x) => VectorMath.DotQ4Gptq(path, MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(row), x));
        return kernels.ToImmutable();
    }

    /// <summary>Adds a kernel, or replaces the one registered for its <see cref="IMatMulKernel.WeightType"/>.</summary>
    public static void Register(IMatMulKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        lock (s_gate)
            s_kernels = s_kernels.SetItem(kernel.WeightType, kernel);
    }

    /// <summary>The kernel for <paramref name="type"/>, if one is registered.</summary>
    public static bool TryGet(TensorType type, [NotNullWhen(true)] out IMatMulKernel? kernel)
        => Volatile.Read(ref s_kernels).TryGetValue(type, out kernel);

    /// <summary>Weight types that have a kernel.</summary>
    public static IReadOnlyCollection<TensorType> Types => [.. Volatile.Read(ref s_kernels).Keys];
}
