using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>The <see cref="IMatMulKernel"/> for each weight type. F32, F16, BF16 and every dequantizable block type are registered from the start.</summary>
/// <remarks>
/// A plain array searched by <see cref="IMatMulKernel.WeightType"/> (a few dozen entries, read when a model is
/// built), replaced whole on <see cref="Register"/>: a dictionary keyed by the enum would be generic code that no
/// ReadyToRun image holds, JIT-compiled at every start (an immutable dictionary's took about 70 methods).
/// </remarks>
public static class MatMulKernels
{
    private static readonly Lock s_gate = new();
    private static IMatMulKernel[] s_kernels = BuiltIn();

    // Block-quantized types start on the exact dequantize-then-f32 path; faster integer kernels replace them by type.
    private static IMatMulKernel[] BuiltIn()
    {
        IMatMulKernel[] kernels = [new F32MatMulKernel(), new F16MatMulKernel(), new BF16MatMulKernel()];
        foreach (var type in Enum.GetValues<TensorType>())
        {
            if (TensorTypeInfo.IsKnown(type) && TensorTypeInfo.IsQuantized(type) && Quantization.Dequantize.IsSupported(type))
                kernels = With(kernels, new DequantizingMatMulKernel(type));
        }
        kernels = With(kernels, new WideningMatMulKernel(TensorType.Q8_SCB,
            (path, row, x) => VectorMath.DotQ8Scb(path, MemoryMarshal.Cast<byte, BlockQ8_SCB>(row), x)));
        return With(kernels, new WideningMatMulKernel(TensorType.Q4_GPTQ,
            (path, row, x) => VectorMath.DotQ4Gptq(path, MemoryMarshal.Cast<byte, BlockQ4_GPTQ>(row), x)));
    }

    // A copy of the kernels with `kernel` in place of the one for its type, or added.
    internal static IMatMulKernel[] With(IMatMulKernel[] kernels, IMatMulKernel kernel)
    {
        int at = Array.FindIndex(kernels, k => k.WeightType == kernel.WeightType);
        if (at < 0)
            return [.. kernels, kernel];
        var updated = (IMatMulKernel[])kernels.Clone();
        updated[at] = kernel;
        return updated;
    }

    /// <summary>Adds a kernel, or replaces the one registered for its <see cref="IMatMulKernel.WeightType"/>.</summary>
    public static void Register(IMatMulKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        lock (s_gate)
            Volatile.Write(ref s_kernels, With(s_kernels, kernel));
    }

    /// <summary>The kernel for <paramref name="type"/>, if one is registered.</summary>
    public static bool TryGet(TensorType type, [NotNullWhen(true)] out IMatMulKernel? kernel)
        => (kernel = Find(Volatile.Read(ref s_kernels), type)) is not null;

    /// <summary>Weight types that have a kernel.</summary>
    public static IReadOnlyCollection<TensorType> Types => [.. Volatile.Read(ref s_kernels).Select(k => k.WeightType)];

    /// <summary>The kernel in <paramref name="kernels"/> for <paramref name="type"/>, or null.</summary>
    internal static IMatMulKernel? Find(IMatMulKernel[] kernels, TensorType type)
    {
        foreach (var kernel in kernels)
        {
            if (kernel.WeightType == type)
                return kernel;
        }
        return null;
    }
}
