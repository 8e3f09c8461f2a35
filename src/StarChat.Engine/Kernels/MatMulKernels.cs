using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>The <see cref="IMatMulKernel"/> for each weight type. F32, F16 and BF16 are registered from the start.</summary>
public static class MatMulKernels
{
    private static readonly Lock s_gate = new();
    private static ImmutableDictionary<TensorType, IMatMulKernel> s_kernels = ImmutableDictionary.CreateRange(
    [
        new KeyValuePair<TensorType, IMatMulKernel>(TensorType.F32, new F32MatMulKernel()),
        new KeyValuePair<TensorType, IMatMulKernel>(TensorType.F16, new F16MatMulKernel()),
        new KeyValuePair<TensorType, IMatMulKernel>(TensorType.BF16, new BF16MatMulKernel()),
    ]);

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
