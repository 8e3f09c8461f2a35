using System.Runtime.InteropServices;
using StarChat.Engine.Tensors;

namespace StarChat.Engine.Kernels;

/// <summary>
/// F16 and BF16 weights. One token (decoding): each row is widened on the fly inside the dot product, so the weights
/// are read once at 2 bytes per value. Several tokens (prompts): the block's rows are widened once into per-thread
/// f32 scratch, so the conversion cost is shared by all tokens — on AVX-512, from 16 tokens, a tile's slice at a time
/// for <see cref="TokenLaneTiles"/> (the activations prepared transposed); on AVX2 as eight-row panels for
/// <see cref="PanelTiles"/> (f16 through <see cref="RebiasedHalf"/>'s shortcut, with the activations prepared to
/// match); otherwise row by row for <see cref="FloatTiles"/>.
/// </summary>
internal abstract class HalfWidthMatMulKernel : IMatMulKernel
{
    public abstract TensorType WeightType { get; }

    // The panel tiles start their sums from the bias: adding it in a second pass over the outputs was 2 % of an F16
    // pp128 profile.
    public bool AddsBias => true;

    // Prompts: the prepared form is the activations, each token's row padded by one cache line: a layer's width is a
    // multiple of 4 KiB, so the six rows a panel tile reads at once would otherwise fall in the same L1 sets and evict
    // each other. The last padding float records whether the row was scaled for rebiased f16 panels. Decoding: what
    // the one-row dot wants (f16 on AVX2: the interleaved activations and a flag), prepared once per matmul rather
    // than once per row block (that was 4 % of f16 decoding).
    // On AVX-512, prompts of at least TokenLaneTiles.Lanes tokens: the activations transposed for TokenLaneTiles
    // ([inFeatures, padded tokens]; each token's share of it, as the other forms are per token).
    public int PreparedBytesPerToken(int inFeatures, int tokens)
    {
        if (tokens == 1)
            return DecodingPreparedLength(inFeatures) * sizeof(float);
        int floats = PaddedLength(inFeatures);
        if (TakesTokenLanes(tokens))
            floats = Math.Max(floats, checked((int)(((long)inFeatures * TokenLaneTiles.PaddedTokens(tokens) + tokens - 1) / tokens)));
        return checked(floats * sizeof(float));
    }

    // Token-lane prompts: each block's first tile widens rows nothing has fetched yet (about 8 µs against 1 µs for a
    // prefetched slice, timed inside the kernel on a Zen 5), so fewer, longer blocks start cold less often. F16 pp128 on
    // StarCoderBase-1B shapes, 2 threads, 6 rounds alternating: 32 rows +1.6 % over MatMul's 16 (no round slower),
    // 64 +1.7 % (two rounds slower), 128 +0.5 %.
    private const int TokenLaneRowsPerBlock = 32;

    public int PromptRowsPerBlock(KernelPath path, int inFeatures, int tokens)
        => TakesTokenLanes(path, tokens) ? TokenLaneRowsPerBlock : 0;

    private static bool TakesTokenLanes(int tokens) => TokenLaneTiles.IsSupported && tokens >= TokenLaneTiles.Lanes;

    private static bool TakesTokenLanes(KernelPath path, int tokens) => path == KernelPath.Vector512 && TakesTokenLanes(tokens);

    public void PrepareTokens(KernelPath path, ReadOnlySpan<float> input, int inFeatures, int tokens, int first, int end,
        Span<byte> prepared, int preparedBytesPerToken)
    {
        if (!TakesTokenLanes(path, tokens))
        {
            IMatMulKernel.PrepareEachToken(this, path, input, inFeatures, tokens, first, end, prepared, preparedBytesPerToken);
            return;
        }
        int padded = TokenLaneTiles.PaddedTokens(tokens);
        var transposed = MemoryMarshal.Cast<byte, float>(prepared)[..(inFeatures * padded)];
        TokenLaneTiles.Scatter(input, inFeatures, first, end, padded, transposed);
        if (end == tokens)
            TokenLaneTiles.ClearPadding(inFeatures, tokens, padded, transposed);
    }

    public void Prepare(KernelPath path, ReadOnlySpan<float> input, int tokens, Span<byte> prepared)
    {
        var row = MemoryMarshal.Cast<byte, float>(prepared);
        if (tokens == 1)
        {
            PrepareDecoding(path, input, row);
        }
        else if (path == KernelPath.Vector256)
        {
            row[^1] = TryPrepareRebiased(input, row[..input.Length]) ? 1 : 0;
        }
        else
        {
            // Unscaled, for the dot-product tiles, which read the padded rows rather than the input.
            input.CopyTo(row);
            row[^1] = 0;
        }
    }

    /// <summary>Floats <see cref="PrepareDecoding"/> writes for one token of <paramref name="inFeatures"/> values
    /// (0: decoding reads the input).</summary>
    protected virtual int DecodingPreparedLength(int inFeatures) => 0;

    /// <summary>Prepares the one token of a decoding step for <see cref="MultiplyOneToken"/>.</summary>
    protected virtual void PrepareDecoding(KernelPath path, ReadOnlySpan<float> input, Span<float> prepared) { }

    private static int PaddedLength(int inFeatures) => checked(((inFeatures + 15) & ~15) + 16);

    /// <summary>Writes the activations for <see cref="TryPackPanels"/>; true when they carry the 2^112 of
    /// <see cref="RebiasedHalf"/>.</summary>
    protected virtual bool TryPrepareRebiased(ReadOnlySpan<float> input, Span<float> row)
    {
        input.CopyTo(row);
        return false;
    }

    /// <summary>Packs the panel rows to match the prepared activations; false when they cannot be matched, and the
    /// caller packs exactly and reads the input instead.</summary>
    protected virtual bool TryPackPanels(ReadOnlySpan<ushort> w, int rows, int n, in MatMulBlock block, Span<float> panels)
    {
        PanelTiles.Pack(w, rows, n, IsBFloat16, panels);
        return true;
    }

    public void Multiply(in MatMulBlock block)
    {
        var w = MemoryMarshal.Cast<byte, ushort>(block.Weights);
        int n = block.InFeatures;
        if (block.Tokens == 1)
        {
            var y = block.Output.Slice(block.RowStart, block.RowCount);
            MultiplyOneToken(block, w, n, MemoryMarshal.Cast<byte, float>(block.Prepared), y);
            if (!block.Bias.IsEmpty)
                VectorMath.Add(block.Path, y, block.Bias, y);
            return;
        }
        if (TakesTokenLanes(block.Path, block.Tokens))
        {
            MultiplyTokenLanes(block, w, n);
            return;
        }
        int panelRows = 0;
        if (block.Path == KernelPath.Vector256 && PanelTiles.IsSupported)
        {
            // Whole groups of eight rows as panels for the outer-product tiles; any rest as dot-product tiles below.
            panelRows = block.RowCount / PanelTiles.Rows * PanelTiles.Rows;
            var panels = KernelScratch.Floats(checked(panelRows * n));
            if (TryPackPanels(w[..(panelRows * n)], panelRows, n, block, panels))
            {
                PanelTiles.Multiply(panels, panelRows / PanelTiles.Rows, n, MemoryMarshal.Cast<byte, float>(block.Prepared),
                    block.PreparedBytesPerToken / sizeof(float), block.Tokens, block.Output, block.OutFeatures, block.RowStart,
                    PanelBias(block, panelRows));
            }
            else
            {
                PanelTiles.Pack(w[..(panelRows * n)], panelRows, n, IsBFloat16, panels);
                PanelTiles.Multiply(panels, panelRows / PanelTiles.Rows, n, block.Input, n, block.Tokens,
                    block.Output, block.OutFeatures, block.RowStart, PanelBias(block, panelRows));
            }
            if (panelRows == block.RowCount)
                return;
        }
        int rest = block.RowCount - panelRows;
        if (block.Path == KernelPath.Vector256)
        {
            var widened = KernelScratch.Floats2(checked(rest * n));
            Widen(block.Path, w.Slice(panelRows * n, rest * n), widened);
            FloatTiles.Multiply(block.Path, widened, rest, block.Input, block.Tokens, n,
                block.Output, block.OutFeatures, block.RowStart + panelRows);
        }
        else
        {
            // Rows and tokens a cache line more than a multiple of 4 KiB apart: at a layer's width (a multiple of
            // 4 KiB) the four rows and six tokens a tile reads at once fell in the same L1 sets.
            int stride = PaddedLength(n);
            var widened = KernelScratch.Floats2(checked(rest * stride));
            for (int r = 0; r < rest; r++)
                Widen(block.Path, w.Slice((panelRows + r) * n, n), widened.Slice(r * stride, n));
            FloatTiles.Multiply(block.Path, widened, stride, rest, MemoryMarshal.Cast<byte, float>(block.Prepared),
                block.PreparedBytesPerToken / sizeof(float), block.Tokens, n, block.Output, block.OutFeatures, block.RowStart + panelRows);
        }
        if (!block.Bias.IsEmpty)
        {
            VectorMath.AddToRows(block.Path, block.Output[(block.RowStart + panelRows)..], block.Tokens, block.OutFeatures,
                block.Bias[panelRows..]);
        }
    }

    // Each tile's slice of rows is widened just before its tiles run, while the next slice is fetched.
    private void MultiplyTokenLanes(in MatMulBlock block, ReadOnlySpan<ushort> w, int n)
    {
        int padded = TokenLaneTiles.PaddedTokens(block.Tokens);
        TokenLaneTiles.Multiply(w, IsBFloat16, block.RowCount, n, MemoryMarshal.Cast<byte, float>(block.Prepared)[..(n * padded)],
            block.Tokens, block.Output, block.OutFeatures, block.RowStart, block.Bias,
            KernelScratch.Floats(checked(block.RowCount * padded)), KernelScratch.Floats2(TokenLaneTiles.WidenedSliceFloats));
    }

    private static ReadOnlySpan<float> PanelBias(in MatMulBlock block, int panelRows)
        => block.Bias.IsEmpty ? default : block.Bias[..panelRows];

    /// <summary>True for bf16 bit patterns, false for f16.</summary>
    protected abstract bool IsBFloat16 { get; }

    /// <summary>Decoding: <c>y[r] = Σ w[r]·x</c>, each row widened on the fly (<paramref name="prepared"/>: what
    /// <see cref="PrepareDecoding"/> wrote).</summary>
    protected virtual void MultiplyOneToken(in MatMulBlock block, ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> prepared, Span<float> y)
    {
        for (int r = 0; r < y.Length; r++)
            y[r] = RowDot(block.Path, w.Slice(r * n, n), block.Input);
    }

    protected abstract float RowDot(KernelPath path, ReadOnlySpan<ushort> row, ReadOnlySpan<float> x);

    protected abstract void Widen(KernelPath path, ReadOnlySpan<ushort> source, Span<float> destination);
}

/// <summary>F16 weights (see <see cref="HalfWidthMatMulKernel"/>).</summary>
/// <param name="rebiased512">Decoding on AVX-512 takes <see cref="RebiasedHalfDot512"/> (the default where
/// <see cref="SubnormalOperands.AreFree"/>) rather than <see cref="HalfDot512"/>.</param>
internal sealed class F16MatMulKernel(bool rebiased512) : HalfWidthMatMulKernel
{
    public F16MatMulKernel()
        : this(SubnormalOperands.AreFree)
    {
    }

    public override TensorType WeightType => TensorType.F16;

    protected override bool IsBFloat16 => false;

    // On AVX2 (InterleavedHalfDot) and AVX-512 (RebiasedHalfDot512 where subnormal factors cost nothing, else
    // HalfDot512), widens with fewer instructions against activations put once per matmul in the order of the call's
    // vector width, the last float saying which kernel they were put for (the rebiased shortcuts scale them, and fail
    // for large ones); rows they cannot take, and other rungs, use RowDot.
    private const float ForRowDot = 0, ForInterleaved256 = 1, ForHalfDot512 = 2, ForRebiased512 = 3;

    protected override int DecodingPreparedLength(int inFeatures) => InterleavedHalfDot.IsSupported ? inFeatures + 1 : 0;

    protected override void PrepareDecoding(KernelPath path, ReadOnlySpan<float> input, Span<float> prepared)
    {
        if (!InterleavedHalfDot.IsSupported)
            return;
        var order = prepared[..input.Length];
        if (path == KernelPath.Vector512 && rebiased512 && RebiasedHalfDot512.IsSupported
            && RebiasedHalfDot512.Takes(input.Length) && RebiasedHalfDot512.TryPrepare(input, order))
        {
            prepared[^1] = ForRebiased512;
        }
        else if (path == KernelPath.Vector512 && HalfDot512.IsSupported && HalfDot512.Takes(input.Length))
        {
            HalfDot512.Order(input, order);
            prepared[^1] = ForHalfDot512;
        }
        else
        {
            prepared[^1] = path == KernelPath.Vector256 && InterleavedHalfDot.TryPrepare(input, order) ? ForInterleaved256 : ForRowDot;
        }
    }

    protected override void MultiplyOneToken(in MatMulBlock block, ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> prepared, Span<float> y)
    {
        var path = block.Path;
        if (prepared.Length > n && prepared[n] == ForRebiased512 && path == KernelPath.Vector512)
        {
            MultiplyOneTokenRebiased512(block, w, n, prepared, y);
            return;
        }
        if (prepared.Length > n && prepared[n] == ForHalfDot512 && path == KernelPath.Vector512)
        {
            MultiplyOneToken512(block, w, n, prepared, y);
            return;
        }
        if (!InterleavedHalfDot.IsSupported || prepared.Length <= n || prepared[n] != ForInterleaved256 || path != KernelPath.Vector256)
        {
            base.MultiplyOneToken(block, w, n, prepared, y);
            return;
        }
        for (int r = 0; r < y.Length; r++)
        {
            var row = w.Slice(r * n, n);
            y[r] = InterleavedHalfDot.TryDot(row, prepared, out float sum) ? sum : RowDot(path, row, block.Input);
        }
    }

    // Four rows at a time; rows holding an infinity or NaN, and the last few, go to the exact RowDot.
    private void MultiplyOneTokenRebiased512(in MatMulBlock block, ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> prepared, Span<float> y)
    {
        const int rows = RebiasedHalfDot512.Rows;
        int r = 0;
        for (; r + rows <= y.Length; r += rows)
        {
            var block4 = w.Slice(r * n, rows * n);
            if (RebiasedHalfDot512.TryDot4(block4, n, prepared, y.Slice(r, rows)))
                continue;
            for (int j = 0; j < rows; j++)
                y[r + j] = RowDot(block.Path, block4.Slice(j * n, n), block.Input);
        }
        for (; r < y.Length; r++)
            y[r] = RowDot(block.Path, w.Slice(r * n, n), block.Input);
    }

    // Eight rows at a time (a segment of HalfSubnormals, on which a block always starts), as two groups of four. The
    // first pass over a segment finds its subnormal halves and records their positions with the tensor; later passes
    // read them. Rows HalfDot512 cannot take, and segments with too many subnormals to lay out (rows mostly zeros),
    // go to the exact RowDot.
    private void MultiplyOneToken512(in MatMulBlock block, ReadOnlySpan<ushort> w, int n, ReadOnlySpan<float> ordered, Span<float> y)
    {
        const int segmentRows = HalfSubnormals.SegmentRows;
        var table = block.Weight is { } weight && block.RowStart % segmentRows == 0 ? HalfSubnormals.Of(weight) : null;
        int groups = HalfDot512.MaskWords(n);
        Span<uint> masks = stackalloc uint[segmentRows * groups];
        Span<float> scaled = stackalloc float[segmentRows];
        int r = 0;
        for (; r + segmentRows <= y.Length; r += segmentRows)
        {
            var rows = w.Slice(r * n, segmentRows * n);
            int segment = (block.RowStart + r) / segmentRows;
            if (table is not null && table.IsSettled(segment))
            {
                if (table.TryGet(segment, out var layout))
                {
                    HalfDot512.Dot4(rows, n, ordered, scaled);
                    HalfDot512.Dot4(rows[(4 * n)..], n, ordered, scaled[4..]);
                }
                Finish(block, rows, n, scaled, layout, y.Slice(r, segmentRows));
                continue;
            }
            HalfDot512.Dot4(rows, n, ordered, scaled, masks);
            HalfDot512.Dot4(rows[(4 * n)..], n, ordered, scaled[4..], masks[(4 * groups)..]);
            var collected = HalfSubnormals.Collect(masks, segmentRows, groups);
            table?.Record(segment, collected);
            Finish(block, rows, n, scaled, collected, y.Slice(r, segmentRows));
        }
        for (; r + HalfDot512.Rows <= y.Length; r += HalfDot512.Rows)
        {
            var rows = w.Slice(r * n, HalfDot512.Rows * n);
            HalfDot512.Dot4(rows, n, ordered, scaled, masks);
            Finish(block, rows, n, scaled, HalfSubnormals.Collect(masks, HalfDot512.Rows, groups), y.Slice(r, HalfDot512.Rows));
        }
        for (; r < y.Length; r++)
            y[r] = RowDot(block.Path, w.Slice(r * n, n), block.Input);
    }

    // Each row's sum from its scaled one and its subnormals' positions, or by the exact RowDot when the scaled sum is
    // not finite or there is no layout (too many subnormals for ushort offsets).
    private void Finish(in MatMulBlock block, ReadOnlySpan<ushort> rows, int n, ReadOnlySpan<float> scaled, ReadOnlySpan<ushort> layout, Span<float> y)
    {
        for (int j = 0; j < y.Length; j++)
        {
            var row = rows.Slice(j * n, n);
            if (layout.IsEmpty || !HalfDot512.TryFinish(scaled[j], row, HalfSubnormals.Row(layout, y.Length, j), block.Input, out y[j]))
                y[j] = RowDot(block.Path, row, block.Input);
        }
    }

    protected override float RowDot(KernelPath path, ReadOnlySpan<ushort> row, ReadOnlySpan<float> x)
        => VectorMath.DotHalf(path, row, x);

    // Prompts on AVX2: the panels are widened with RebiasedHalf's shortcut (a third of the instructions of the exact
    // widening; packing was 9 % of F16 prompt time), unless an activation is too large to carry 2^112 or a weight is
    // infinite or NaN.
    protected override bool TryPrepareRebiased(ReadOnlySpan<float> input, Span<float> row)
    {
        if (RebiasedHalf.IsSupported && RebiasedHalf.TryScale(input, row))
            return true;
        input.CopyTo(row);
        return false;
    }

    protected override bool TryPackPanels(ReadOnlySpan<ushort> w, int rows, int n, in MatMulBlock block, Span<float> panels)
    {
        var prepared = MemoryMarshal.Cast<byte, float>(block.Prepared);
        int stride = block.PreparedBytesPerToken / sizeof(float);
        for (int t = 0; t < block.Tokens; t++)
        {
            if (prepared[t * stride + stride - 1] != 1)
                return false;
        }
        return PanelTiles.TryPackRebiased(w, rows, n, panels);
    }

    protected override void Widen(KernelPath path, ReadOnlySpan<ushort> source, Span<float> destination)
        => FloatConversion.HalfToSingle(path, source, destination);
}

internal sealed class BF16MatMulKernel : HalfWidthMatMulKernel
{
    public override TensorType WeightType => TensorType.BF16;

    protected override bool IsBFloat16 => true;

    protected override float RowDot(KernelPath path, ReadOnlySpan<ushort> row, ReadOnlySpan<float> x)
        => VectorMath.DotBFloat16(path, row, x);

    protected override void Widen(KernelPath path, ReadOnlySpan<ushort> source, Span<float> destination)
        => FloatConversion.BFloat16ToSingle(path, source, destination);
}
