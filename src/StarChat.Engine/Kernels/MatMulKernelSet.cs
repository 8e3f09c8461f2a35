using System.Diagnostics.CodeAnalysis;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// The kernels one model uses, so that two models in a process can make different choices (e.g. a Fast model and an
/// Exact one side by side in a test). <see cref="Exact"/> is the <see cref="MatMulKernels"/> registry as it stands;
/// <see cref="Fast"/> puts the integer kernels in front of it for the block types that have one.
/// </summary>
public sealed class MatMulKernelSet
{
    private readonly IMatMulKernel[] _overrides;

    private MatMulKernelSet(QuantizedMatMul mode, IMatMulKernel[] overrides)
    {
        Mode = mode;
        _overrides = overrides;
    }

    /// <summary>Integer kernels with 8-bit activations for quantized weights (ggml's way); the registry for the rest.</summary>
    public static MatMulKernelSet Fast { get; } = new(QuantizedMatMul.Fast, IntegerKernels());

    /// <summary>The <see cref="MatMulKernels"/> registry: quantized weights dequantized to f32.</summary>
    public static MatMulKernelSet Exact { get; } = new(QuantizedMatMul.Exact, []);

    /// <summary>The set for <paramref name="mode"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static MatMulKernelSet For(QuantizedMatMul mode) => mode switch
    {
        QuantizedMatMul.Fast => Fast,
        QuantizedMatMul.Exact => Exact,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown quantized matmul mode"),
    };

    /// <summary>This set with <paramref name="kernel"/> in front for its weight type (tests use it to pin a kernel's
    /// variant).</summary>
    internal MatMulKernelSet With(IMatMulKernel kernel) => new(Mode, MatMulKernels.With(_overrides, kernel));

    /// <summary>Which choice this set makes for quantized weights.</summary>
    public QuantizedMatMul Mode { get; }

    /// <summary>The kernel for <paramref name="type"/>, if there is one.</summary>
    public bool TryGet(TensorType type, [NotNullWhen(true)] out IMatMulKernel? kernel)
        => (kernel = MatMulKernels.Find(_overrides, type)) is not null || MatMulKernels.TryGet(type, out kernel);

    // An array, as MatMulKernels keeps its registry.
    private static IMatMulKernel[] IntegerKernels()
    {
        var kernels = new List<IMatMulKernel>();
        foreach (var type in Enum.GetValues<TensorType>())
        {
            if (QuantizedDot.IsSupported(type))
                kernels.Add(new IntegerMatMulKernel(type));
        }
        return [.. kernels];
    }
}
