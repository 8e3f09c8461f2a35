using StarChat.Engine.Tensors;
using StarChat.Engine.Threading;

namespace StarChat.Engine.Kernels;

/// <summary>
/// The linear layer: <c>y[t, o] = Σ_i x[t, i]·W[o, i] + b[o]</c> for T tokens, with W row-major <c>[out, in]</c>
/// (PyTorch <c>nn.Linear</c> layout) in any type that has an <see cref="IMatMulKernel"/>.
/// Output rows are split into blocks across a <see cref="WorkerPool"/>; each block's weights are read from memory
/// once for all tokens.
/// </summary>
public static unsafe class MatMul
{
    // Per block, for one token, up to this many weight bytes, fewer where needed to give each thread four blocks to
    // balance: long runs of consecutive rows let the kernels prefetch ahead (a block's first rows start cold). For
    // several tokens, about this many bytes of widened f32 rows (fits in L2).
    private const int DecodeBlockBytes = 256 * 1024;
    private const int BlocksPerThread = 4;
    private const int PromptBlockBytes = 128 * 1024;
    // At least two eight-row panels per prompt block, even when they outgrow L2 (8192 inputs): F16/BF16 blocks of a
    // single panel fall back to the 6 × 8 tile, which needs a load per FMA more than the 6 × 16 one (measured
    // F16 pp128 +10 % on StarCoderBase-1B shapes; the integer kernels are indifferent).
    private const int PromptMinRows = 16;

    /// <summary>Computes <c>output[t, o] = Σ_i input[t, i]·weight[o, i] + bias[o]</c>.</summary>
    /// <param name="input">Activations, f32 <c>[tokens, in]</c> row-major.</param>
    /// <param name="tokens">Number of tokens T (1 when decoding).</param>
    /// <param name="weight">A rank-2 tensor <c>[out, in]</c>.</param>
    /// <param name="bias">Empty for no bias, else <c>out</c> values.</param>
    /// <param name="output">f32 <c>[tokens, out]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="pool">Threads to split the output rows over; null computes on the calling thread.</param>
    /// <exception cref="ArgumentException">A length does not match the weight's shape, or the weight is not rank 2.</exception>
    /// <exception cref="NotSupportedException">No kernel is registered for the weight's type.</exception>
    /// <remarks>Rungs and thread counts change the summation order, so results may differ in the last bits.</remarks>
    public static void Multiply(ReadOnlySpan<float> input, int tokens, TensorView weight, ReadOnlySpan<float> bias,
        Span<float> output, WorkerPool? pool = null)
        => Multiply(MatMulKernelSet.Exact, KernelSelection.Current, input, tokens, weight, bias, output, pool, rowsPerBlock: 0);

    /// <summary>
    /// Computes <c>output[t, o] = Σ_i input[t, i]·weight[o, i] + bias[o]</c> with the kernels of
    /// <paramref name="kernels"/> (a model's <see cref="QuantizedMatMul"/> choice); otherwise as the overload without it.
    /// </summary>
    /// <param name="kernels">The kernel set, e.g. <see cref="MatMulKernelSet.Fast"/>.</param>
    /// <param name="input">Activations, f32 <c>[tokens, in]</c> row-major.</param>
    /// <param name="tokens">Number of tokens T (1 when decoding).</param>
    /// <param name="weight">A rank-2 tensor <c>[out, in]</c>.</param>
    /// <param name="bias">Empty for no bias, else <c>out</c> values.</param>
    /// <param name="output">f32 <c>[tokens, out]</c>; must not overlap <paramref name="input"/>.</param>
    /// <param name="pool">Threads to split the output rows over; null computes on the calling thread.</param>
    /// <exception cref="ArgumentException">A length does not match the weight's shape, or the weight is not rank 2.</exception>
    /// <exception cref="NotSupportedException">No kernel for the weight's type.</exception>
    public static void Multiply(MatMulKernelSet kernels, ReadOnlySpan<float> input, int tokens, TensorView weight,
        ReadOnlySpan<float> bias, Span<float> output, WorkerPool? pool = null)
        => Multiply(kernels, KernelSelection.Current, input, tokens, weight, bias, output, pool, rowsPerBlock: 0);

    internal static void Multiply(KernelPath path, ReadOnlySpan<float> input, int tokens, TensorView weight,
        ReadOnlySpan<float> bias, Span<float> output, WorkerPool? pool, int rowsPerBlock)
        => Multiply(MatMulKernelSet.Exact, path, input, tokens, weight, bias, output, pool, rowsPerBlock);

    internal static void Multiply(MatMulKernelSet kernels, KernelPath path, ReadOnlySpan<float> input, int tokens,
        TensorView weight, ReadOnlySpan<float> bias, Span<float> output, WorkerPool? pool, int rowsPerBlock)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (weight.Shape.Rank != 2)
            throw new ArgumentException($"tensor '{weight.Name}': a matmul weight must be [out, in], got {weight.Shape}", nameof(weight));
        if (weight.Shape[0] > int.MaxValue || weight.Shape[1] > int.MaxValue)
            throw new ArgumentException($"tensor '{weight.Name}': {weight.Shape} is too large for a matmul", nameof(weight));
        int outFeatures = (int)weight.Shape[0], inFeatures = (int)weight.Shape[1];
        if (input.Length != (long)tokens * inFeatures)
            throw new ArgumentException($"tensor '{weight.Name}' {weight.Shape}: input has {input.Length} values, expected {tokens} × {inFeatures}", nameof(input));
        if (output.Length != (long)tokens * outFeatures)
            throw new ArgumentException($"tensor '{weight.Name}' {weight.Shape}: output has {output.Length} values, expected {tokens} × {outFeatures}", nameof(output));
        if (!bias.IsEmpty && bias.Length != outFeatures)
            throw new ArgumentException($"tensor '{weight.Name}' {weight.Shape}: bias has {bias.Length} values, expected {outFeatures}", nameof(bias));
        if (!kernels.TryGet(weight.Type, out var kernel))
            throw new NotSupportedException($"tensor '{weight.Name}': no matmul kernel for {TensorTypeInfo.Name(weight.Type)} weights");
        if (tokens == 0 || outFeatures == 0)
            return;

        int rowBytes = checked((int)weight.RowBytes);
        int preparedPerToken = kernel.PreparedBytesPerToken(inFeatures, tokens);
        var prepared = preparedPerToken == 0 ? [] : KernelScratch.Bytes(checked(preparedPerToken * tokens));
        if (preparedPerToken > 0)
            PrepareAll(kernel, path, input, tokens, inFeatures, prepared, preparedPerToken, pool);

        if (rowsPerBlock <= 0)
        {
            int balanced = CeilDiv(outFeatures, BlocksPerThread * (pool?.ThreadCount ?? 1));
            int preferred = tokens == 1 ? 0 : kernel.PromptRowsPerBlock(path, inFeatures, tokens);
            rowsPerBlock = tokens == 1
                ? Math.Max(1, Math.Min(DecodeBlockBytes / Math.Max(1, rowBytes), balanced))
                : preferred > 0
                    ? Math.Max(PromptMinRows, Math.Min(preferred, balanced))
                    : Math.Max(PromptMinRows, PromptBlockBytes / Math.Max(1, inFeatures * sizeof(float))) & ~1;
            // Whole groups of eight rows, for the kernels that take eight at a time.
            if (rowsPerBlock >= 4)
                rowsPerBlock = (rowsPerBlock + 7) & ~7;
        }
        // A block's weights must fit one span.
        rowsPerBlock = Math.Max(1, Math.Min(rowsPerBlock, int.MaxValue / Math.Max(1, rowBytes)));

        fixed (float* x = input)
        fixed (float* b = bias)
        fixed (float* y = output)
        fixed (byte* p = prepared)
        {
            var body = new BlockBody
            {
                Kernel = kernel,
                Weight = weight,
                Path = path,
                Input = x,
                Bias = bias.IsEmpty ? null : b,
                Output = y,
                Prepared = p,
                PreparedLength = prepared.Length,
                PreparedBytesPerToken = preparedPerToken,
                Weights = (byte*)weight.Address,
                RowBytes = rowBytes,
                Tokens = tokens,
                InFeatures = inFeatures,
                OutFeatures = outFeatures,
            };
            if (pool is null)
                RunOnCaller(ref body, outFeatures, rowsPerBlock);
            else
                pool.ParallelFor(outFeatures, rowsPerBlock, body);
        }
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;

    // Quantizing a prompt's activations is real work (T × in values), so several tokens are split across the pool.
    private static void PrepareAll(IMatMulKernel kernel, KernelPath path, ReadOnlySpan<float> input, int tokens, int inFeatures,
        Span<byte> prepared, int preparedPerToken, WorkerPool? pool)
    {
        if (pool is null || tokens < 4)
        {
            kernel.PrepareTokens(path, input, inFeatures, tokens, 0, tokens, prepared, preparedPerToken);
            return;
        }
        fixed (float* x = input)
        fixed (byte* p = prepared)
        {
            pool.ParallelFor(tokens, Math.Max(1, tokens / (4 * pool.ThreadCount)), new PrepareBody
            {
                Kernel = kernel,
                Path = path,
                Input = x,
                InFeatures = inFeatures,
                Prepared = p,
                PreparedBytesPerToken = preparedPerToken,
                Tokens = tokens,
            });
        }
    }

    private struct PrepareBody : IParallelBody
    {
        public IMatMulKernel Kernel;
        public KernelPath Path;
        public float* Input;
        public int InFeatures;
        public byte* Prepared;
        public int PreparedBytesPerToken;
        public int Tokens;

        public readonly void Invoke(int start, int end)
            => Kernel.PrepareTokens(Path, new ReadOnlySpan<float>(Input, Tokens * InFeatures), InFeatures, Tokens, start, end,
                new Span<byte>(Prepared, Tokens * PreparedBytesPerToken), PreparedBytesPerToken);
    }

    private static void RunOnCaller(ref BlockBody body, int outFeatures, int rowsPerBlock)
    {
        for (int start = 0; start < outFeatures; start += rowsPerBlock)
            body.Invoke(start, Math.Min(outFeatures, start + rowsPerBlock));
    }

    // Pointers, not spans, so the body can cross to worker threads; MatMul keeps them pinned for the whole call.
    private struct BlockBody : IParallelBody
    {
        public IMatMulKernel Kernel;
        public TensorView Weight;
        public KernelPath Path;
        public float* Input;
        public float* Bias;
        public float* Output;
        public byte* Prepared;
        public int PreparedLength;
        public int PreparedBytesPerToken;
        public byte* Weights;
        public int RowBytes;
        public int Tokens;
        public int InFeatures;
        public int OutFeatures;

        public readonly void Invoke(int start, int end)
        {
            int rows = end - start;
            var output = new Span<float>(Output, Tokens * OutFeatures);
            var bias = Bias is null ? default : new ReadOnlySpan<float>(Bias + start, rows);
            var block = new MatMulBlock(Path,
                new ReadOnlySpan<float>(Input, Tokens * InFeatures),
                new ReadOnlySpan<byte>(Prepared, PreparedLength), PreparedBytesPerToken,
                new ReadOnlySpan<byte>(Weights + (long)start * RowBytes, rows * RowBytes), RowBytes,
                output, Tokens, InFeatures, OutFeatures, start, rows, bias) { Weight = Weight };
            Kernel.Multiply(block);
            if (Bias is not null && !Kernel.AddsBias)
                VectorMath.AddToRows(Path, output[start..], Tokens, OutFeatures, bias);
        }
    }
}
