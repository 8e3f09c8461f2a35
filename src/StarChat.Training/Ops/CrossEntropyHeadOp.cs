using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Training.Numerics;

namespace StarChat.Training.Ops;

/// <summary>
/// The tied output head and the cross-entropy loss in one op, over the rows that have a target only. Logits are never
/// stored for the whole batch (tokens × vocabulary would be hundreds of MB): rows are taken in chunks, and each
/// chunk's logits are turned into the loss and, in training, at once into the gradient of the head's input.
/// The vocabulary is walked in blocks that stay in cache while a whole chunk of rows passes over them.
/// </summary>
/// <remarks>
/// Every sum has a fixed order (blocks are reduced in vocabulary order), so results do not depend on the thread count.
/// </remarks>
internal sealed class CrossEntropyHeadOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int ChunkRows = 64;
    private const int VocabularyBlock = 512;

    private readonly int _vocabulary;
    private readonly int _d;
    private readonly T[] _transposed; // [blocks][D, block]: wteᵀ block by block, contiguous per block, so logits come from broadcasts of h against rows in cache
    private readonly T[] _inputs;     // [C, D]: the chunk's rows of h, gathered
    private readonly T[] _logits;     // [blocks][C, block]: logits, then softmax − one-hot (scaled) in place; block-major so
                                      // that each block's tile of the chunk is contiguous (row-major [C, V] would put
                                      // the rows of every tile 4·V bytes apart, a TLB miss per row)
    private readonly T[] _partials;   // [blocks, C, D]: each vocabulary block's share of dh
    private readonly T[] _lse;        // [C]: log Σ_v e^(z_v)
    private readonly T[] _sum;        // [C]: Σ_v e^(z_v − max)
    private readonly T[] _targetLogit; // [C]
    private readonly int[] _rows = new int[ChunkRows];

    public CrossEntropyHeadOp(int vocabulary, int d)
    {
        _vocabulary = vocabulary;
        _d = d;
        _transposed = new T[BlockCount * d * VocabularyBlock];
        _inputs = new T[ChunkRows * d];
        _logits = new T[BlockCount * ChunkRows * VocabularyBlock];
        _partials = new T[BlockCount * ChunkRows * d];
        _lse = new T[ChunkRows];
        _sum = new T[ChunkRows];
        _targetLogit = new T[ChunkRows];
    }

    private int BlockCount => (_vocabulary + VocabularyBlock - 1) / VocabularyBlock;

    // For each row n with target y_n ≠ −100:
    //   z = h[n]·wteᵀ                       h: [N, D], wte: [V, D], z: [V]
    //   ce_n = logsumexp(z) − z[y_n]         rowLoss[n] = ce_n (0 for rows without a target)
    // Training (dh not null), with the loss's gradient scale c = ∂objective/∂ce_n:
    //   g = c·(softmax(z) − onehot(y_n))
    //   dh[n] = g·wte  (overwrites; 0 for rows without a target),  dwte += gᵀ·h[n]  (when wte trains)
    // Returns Σ_n ce_n in f64.
    public double Run(WorkerPool? pool, T[] h, int[] targets, int rows, T[] wte, T gradientScale, T[]? dh, T[]? dWte, double[] rowLoss)
    {
        int d = _d;
        if (dh is not null)
            Array.Clear(dh, 0, rows * d);
        Array.Clear(rowLoss, 0, rows);
        // wte may have changed since the last call (when it trains), so its transpose is refreshed every time:
        // V·D copies, against C·V·D multiply-adds per chunk.
        Run(pool, BlockCount, new Work(this, 0, targets, wte, gradientScale, dWte) { Phase = Phase.Transpose });
        double total = 0;
        int n = 0;
        while (n < rows)
        {
            int count = 0;
            for (; n < rows && count < ChunkRows; n++)
            {
                if (targets[n] < 0)
                    continue;
                _rows[count] = n;
                h.AsSpan(n * d, d).CopyTo(_inputs.AsSpan(count * d, d));
                count++;
            }
            if (count == 0)
                break;
            total += RunChunk(pool, count, targets, wte, gradientScale, dh, dWte, rowLoss);
        }
        return total;
    }

    private double RunChunk(WorkerPool? pool, int count, int[] targets, T[] wte, T gradientScale, T[]? dh, T[]? dWte, double[] rowLoss)
    {
        int d = _d, blocks = BlockCount;
        var work = new Work(this, count, targets, wte, gradientScale, dWte);
        Run(pool, blocks, work with { Phase = Phase.Logits });
        Run(pool, count, work with { Phase = Phase.Softmax });
        double total = 0;
        for (int c = 0; c < count; c++)
        {
            int row = _rows[c];
            double ce = double.CreateChecked(_lse[c] - _targetLogit[c]);
            rowLoss[row] = ce;
            total += ce;
        }
        if (dh is null)
            return total;
        Run(pool, count, work with { Phase = Phase.Gradient });
        Run(pool, blocks, work with { Phase = Phase.InputGradient });
        // dh[row] = Σ over blocks in vocabulary order.
        for (int c = 0; c < count; c++)
        {
            var target = dh.AsSpan(_rows[c] * d, d);
            for (int b = 0; b < blocks; b++)
                Vectors.AddInPlace(target, _partials.AsSpan((b * ChunkRows + c) * d, d));
        }
        return total;
    }

    private static void Run(WorkerPool? pool, int count, Work work)
    {
        if (pool is null)
            work.Invoke(0, count);
        else
            pool.ParallelFor(count, 1, work);
    }

    private enum Phase { Transpose, Logits, Softmax, Gradient, InputGradient }

    private readonly record struct Work(CrossEntropyHeadOp<T> Op, int Count, int[] Targets, T[] Wte, T Scale, T[]? DWte) : IParallelBody
    {
        public Phase Phase { get; init; }

        public void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                switch (Phase)
                {
                    case Phase.Transpose: Transpose(i); break;
                    case Phase.Logits: Logits(i); break;
                    case Phase.Softmax: Softmax(i); break;
                    case Phase.Gradient: Gradient(i); break;
                    default: InputGradient(i); break;
                }
            }
        }

        // wteᵀ_block [D, width] = wte[block, :]ᵀ
        private void Transpose(int block)
        {
            var (v0, width) = Op.Block(block);
            int d = Op._d, at = block * d * VocabularyBlock;
            for (int j = 0; j < width; j++)
            {
                for (int k = 0; k < d; k++)
                    Op._transposed[at + k * width + j] = Wte[(v0 + j) * d + k];
            }
        }

        // z[c, block] = h[c]·wteᵀ_block for every row c of the chunk.
        private void Logits(int block)
        {
            var (_, width) = Op.Block(block);
            int d = Op._d;
            Gemm.Multiply<T>(Op._inputs, d, Op._transposed.AsSpan(block * d * VocabularyBlock), width, Op.Tile(block), VocabularyBlock,
                Count, width, d, accumulate: false);
        }

        // Σ[c] = Σ_v e^(z_v − max) with the exponentials left in place of z;  lse[c] = max + log Σ.
        private void Softmax(int c)
        {
            int target = Targets[Op._rows[c]];
            Op._targetLogit[c] = Op.Logit(c, target);
            T max = T.NegativeInfinity;
            for (int b = 0; b < Op.BlockCount; b++)
                max = T.Max(max, VectorExp.Max<T>(Op.RowOfTile(b, c)));
            T sum = T.Zero;
            for (int b = 0; b < Op.BlockCount; b++)
                sum += VectorExp.ExpShiftedInPlace(Op.RowOfTile(b, c), max);
            Op._sum[c] = sum;
            Op._lse[c] = max + T.Log(sum);
        }

        // g = scale·(e^(z − max)/Σ − onehot(target)), in place of the exponentials.
        private void Gradient(int c)
        {
            T factor = Scale / Op._sum[c];
            for (int b = 0; b < Op.BlockCount; b++)
                Vectors.Scale(Op.RowOfTile(b, c), factor);
            int target = Targets[Op._rows[c]];
            Op.RowOfTile(target / VocabularyBlock, c)[target % VocabularyBlock] -= Scale;
        }

        // dh partial for one vocabulary block: dh_b[c] = g[c, block]·wte[block];  dwte[block] += g[:, block]ᵀ·h.
        private void InputGradient(int block)
        {
            var (v0, width) = Op.Block(block);
            int d = Op._d;
            Gemm.Multiply<T>(Op.Tile(block), VocabularyBlock, Wte.AsSpan(v0 * d), d, Op._partials.AsSpan(block * ChunkRows * d), d,
                Count, d, width, accumulate: false);
            if (DWte is not null)
                Gemm.MultiplyTransposedBy<T>(Op.Tile(block), VocabularyBlock, Op._inputs, d, DWte.AsSpan(v0 * d), d,
                    width, d, Count, accumulate: true);
        }
    }

    // The chunk's tile of a vocabulary block: [C, width] with rows VocabularyBlock apart.
    private Span<T> Tile(int block) => _logits.AsSpan(block * ChunkRows * VocabularyBlock);

    private Span<T> RowOfTile(int block, int c)
        => _logits.AsSpan((block * ChunkRows + c) * VocabularyBlock, Block(block).Width);

    private T Logit(int c, int v) => _logits[((v / VocabularyBlock) * ChunkRows + c) * VocabularyBlock + v % VocabularyBlock];

    private (int First, int Width) Block(int block)
    {
        int first = block * VocabularyBlock;
        return (first, Math.Min(VocabularyBlock, _vocabulary - first));
    }
}
