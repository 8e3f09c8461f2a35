using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// The inner loops of <see cref="MatMul"/> for one weight type. F32, F16 and BF16 are built in; quantized types plug in
/// through <see cref="MatMulKernels.Register"/>. <see cref="MatMul"/> validates shapes, converts the activations once
/// per call with <see cref="Prepare"/> (e.g. to Q8 blocks), splits the output rows into blocks across threads, calls
/// <see cref="Multiply"/> on each block and adds the bias (unless the kernel does, <see cref="AddsBias"/>).
/// </summary>
public interface IMatMulKernel
{
    /// <summary>The weight type this kernel reads.</summary>
    TensorType WeightType { get; }

    /// <summary>Bytes of activations in this kernel's own form for one token of <paramref name="inFeatures"/>
    /// values, in a call of <paramref name="tokens"/> tokens (a kernel may prepare decoding and prompts differently);
    /// 0 when it reads the f32 activations directly (and <see cref="Prepare"/> is never called).</summary>
    int PreparedBytesPerToken(int inFeatures, int tokens);

    /// <summary>Converts one token's f32 activations into this kernel's form
    /// (<see cref="PreparedBytesPerToken"/> bytes) for a call of <paramref name="tokens"/> tokens whose
    /// <see cref="Multiply"/> runs on <paramref name="path"/> (a form may depend on the vector width).</summary>
    void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared);

    /// <summary>
    /// Prepares tokens <c>[first, end)</c> of a call's <paramref name="tokens"/> tokens (<paramref name="input"/>: all
    /// of them, f32 <c>[tokens, inFeatures]</c>) into <paramref name="prepared"/>, the whole buffer
    /// (<paramref name="preparedBytesPerToken"/> × <paramref name="tokens"/> bytes). <see cref="MatMul"/> may call it
    /// concurrently for disjoint ranges. By default each token goes through <see cref="Prepare"/> into its own slice;
    /// a kernel whose form mixes the tokens (e.g. the activations transposed) overrides it.
    /// </summary>
    void PrepareTokens(KernelPath path, ReadOnlySpan<float> input, int inFeatures, int tokens, int first, int end,
        Span<byte> prepared, int preparedBytesPerToken)
        => PrepareEachToken(this, path, input, inFeatures, tokens, first, end, prepared, preparedBytesPerToken);

    /// <summary>The default <see cref="PrepareTokens"/>, for kernels that override it only for some calls.</summary>
    internal static void PrepareEachToken(IMatMulKernel kernel, KernelPath path, ReadOnlySpan<float> input, int inFeatures,
        int tokens, int first, int end, Span<byte> prepared, int preparedBytesPerToken)
    {
        for (int t = first; t < end; t++)
        {
            kernel.Prepare(path, input.Slice(t * inFeatures, inFeatures), tokens,
                prepared.Slice(t * preparedBytesPerToken, preparedBytesPerToken));
        }
    }

    /// <summary>
    /// For every token t and every row r of the block: <c>block.Output[t·OutFeatures + RowStart + r] = Σ_i x[t, i]·W[RowStart + r, i]</c>
    /// (plus <c>block.Bias[r]</c> when <see cref="AddsBias"/>). Called concurrently for disjoint row blocks; must not
    /// write anything else.
    /// </summary>
    void Multiply(in MatMulBlock block);

    /// <summary>Output rows per block this kernel wants for a prompt of <paramref name="tokens"/> tokens on
    /// <paramref name="path"/>, or 0 for <see cref="MatMul"/>'s default (about 128 KiB of f32 rows). <see cref="MatMul"/>
    /// still gives each thread several blocks.</summary>
    int PromptRowsPerBlock(KernelPath path, int inFeatures, int tokens) => 0;

    /// <summary>True when <see cref="Multiply"/> adds <see cref="MatMulBlock.Bias"/> itself (e.g. by starting its
    /// sums from it), so that <see cref="MatMul"/> does not add it in a second pass over the outputs.</summary>
    bool AddsBias => false;
}
