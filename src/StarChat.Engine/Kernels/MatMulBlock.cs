using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// One block of output rows of a <see cref="MatMul"/> call, for all tokens: what an <see cref="IMatMulKernel"/>
/// computes in one <see cref="IMatMulKernel.Multiply"/> call.
/// </summary>
public readonly ref struct MatMulBlock
{
    /// <summary>Creates a block description. <see cref="MatMul"/> builds these; kernels only read them.</summary>
    public MatMulBlock(KernelPath path, ReadOnlySpan<float> input, ReadOnlySpan<byte> prepared, int preparedBytesPerToken,
        ReadOnlySpan<byte> weights, int rowBytes, Span<float> output, int tokens, int inFeatures, int outFeatures,
        int rowStart, int rowCount, ReadOnlySpan<float> bias = default)
    {
        Path = path;
        Input = input;
        Prepared = prepared;
        PreparedBytesPerToken = preparedBytesPerToken;
        Weights = weights;
        RowBytes = rowBytes;
        Output = output;
        Tokens = tokens;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RowStart = rowStart;
        RowCount = rowCount;
        Bias = bias;
    }

    /// <summary>The SIMD rung to use (normally <see cref="KernelSelection.Current"/>; tests pin others).</summary>
    public KernelPath Path { get; }

    /// <summary>All activations, f32 <c>[Tokens, InFeatures]</c>, row-major.</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>All activations in the kernel's own form, <c>[Tokens, PreparedBytesPerToken]</c>; empty when the kernel prepares nothing.</summary>
    public ReadOnlySpan<byte> Prepared { get; }

    /// <summary>Bytes of <see cref="Prepared"/> per token.</summary>
    public int PreparedBytesPerToken { get; }

    /// <summary>The weight rows of this block only: <c>RowCount</c> rows of <see cref="RowBytes"/> bytes, the first being row <see cref="RowStart"/>.</summary>
    public ReadOnlySpan<byte> Weights { get; }

    /// <summary>Bytes of one weight row.</summary>
    public int RowBytes { get; }

    /// <summary>The whole output, f32 <c>[Tokens, OutFeatures]</c>; the kernel writes columns <c>[RowStart, RowStart + RowCount)</c>.</summary>
    public Span<float> Output { get; }

    /// <summary>Number of tokens (rows of the activations).</summary>
    public int Tokens { get; }

    /// <summary>Input features: the length of a weight row in elements.</summary>
    public int InFeatures { get; }

    /// <summary>Output features: the number of weight rows in the whole tensor.</summary>
    public int OutFeatures { get; }

    /// <summary>Index of the block's first weight row.</summary>
    public int RowStart { get; }

    /// <summary>Number of weight rows in the block.</summary>
    public int RowCount { get; }

    /// <summary>The bias of the block's rows (<see cref="RowCount"/> values), empty when there is none; kernels whose
    /// <see cref="IMatMulKernel.AddsBias"/> is true add it, the others leave it to <see cref="MatMul"/>.</summary>
    public ReadOnlySpan<float> Bias { get; }

    /// <summary>The tensor the rows come from, when the caller has one: a kernel may keep what it learns about the
    /// weights with it (<see cref="TensorView.KernelCache"/>).</summary>
    internal TensorView? Weight { get; init; }
}
