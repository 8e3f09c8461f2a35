using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Training.Ops;

namespace StarChat.Training.Model;

/// <summary>
/// GPTBigCode (StarCoder) forward and backward passes for training, on the CPU in f32 (training) or f64 (reference
/// checks), threaded over a <see cref="WorkerPool"/>. The maths is Hugging Face's <c>GPTBigCodeForCausalLM</c> with
/// multi-query attention and the tied head, and its loss: cross-entropy of each position's logits against the next
/// label, positions labelled −100 left out, averaged over the positions kept.
/// </summary>
/// <remarks>
/// This file is the whole graph, forward then backward, in the order of the maths; each op's forward and backward
/// sit side by side in <c>Ops/</c>. Shapes: N rows (the batch's tokens, sequences back to back), D = n_embd,
/// H heads of d = D/H, F = n_inner, V = vocabulary, QKV = D + 2d. Dropout of the base model is not applied
/// (resid/embd/attn_pdrop); LoRA dropout is. Every sum runs in a fixed order, so a run is reproducible whatever the
/// thread count. Not thread-safe: one pass at a time.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> for training, <see cref="double"/> for reference checks.</typeparam>
public sealed class GptBigCodeTrainingModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly WorkerPool? _pool;
    private readonly CrossEntropyHeadOp<T> _head;
    private readonly T _attentionScale;
    private readonly T _epsilon;
    private Activations? _acts;

    /// <summary>Prepares the passes over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The model's tensors; which of them train is decided on the parameters.</param>
    /// <param name="pool">Threads to split the work over; null runs on the calling thread.</param>
    /// <exception cref="NotSupportedException">The activation is the exact (erf) GELU, which this graph does not implement.</exception>
    public GptBigCodeTrainingModel(GptBigCodeParameters<T> parameters, WorkerPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var config = parameters.Config;
        if (config.Activation is not ("gelu_pytorch_tanh" or "gelu_new" or "gelu_fast"))
            throw new NotSupportedException($"activation_function '{config.Activation}': training implements the tanh GELU only (gelu_pytorch_tanh, gelu_new, gelu_fast)");
        Parameters = parameters;
        _pool = pool;
        _head = new CrossEntropyHeadOp<T>(config.VocabSize, config.EmbeddingSize);
        _attentionScale = config.ScaleAttentionWeights ? T.One / T.Sqrt(T.CreateChecked(config.HeadDim)) : T.One;
        _epsilon = T.CreateChecked(config.LayerNormEpsilon);
    }

    /// <summary>The tensors the passes read and whose gradients they accumulate.</summary>
    public GptBigCodeParameters<T> Parameters { get; }

    /// <summary>The loss of a batch, without dropout and without touching any gradient.</summary>
    public BatchLoss Evaluate(TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var acts = Forward(batch, dropout: null);
        double sum = _head.Run(_pool, acts.FinalNormOut, batch.Targets, batch.RowCount, Parameters.TokenEmbedding.Value,
            T.Zero, dh: null, dWte: null, acts.RowLoss);
        return Loss(batch, sum, acts.RowLoss);
    }

    /// <summary>
    /// Runs the forward pass and the backward pass of <c>gradientScale · Σ cross-entropy</c> over the batch's kept
    /// positions, adding the result to the gradient of every trainable parameter (call
    /// <see cref="Parameter{T}.ZeroGradient"/> first unless accumulating). For the mean loss, pass
    /// <c>1 / batch.TargetCount</c>.
    /// </summary>
    /// <param name="batch">The sequences.</param>
    /// <param name="gradientScale">∂objective/∂(each position's cross-entropy).</param>
    /// <param name="dropout">Random source for LoRA dropout; null for none.</param>
    /// <returns>The loss before this update.</returns>
    public BatchLoss ComputeGradients(TrainingBatch batch, double gradientScale, Random? dropout)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var p = Parameters;
        var cfg = p.Config;
        var acts = Forward(batch, dropout);
        int n = batch.RowCount, dModel = cfg.EmbeddingSize, heads = cfg.HeadCount, hd = cfg.HeadDim, f = cfg.FeedForwardSize;

        // ---- head + loss: ce_n = logsumexp(ln_f(x)[n]·wteᵀ) − z[target];  d(ln_f out) [N, D], dwte (tied head) ----
        double sum = _head.Run(_pool, acts.FinalNormOut, batch.Targets, n, p.TokenEmbedding.Value, T.CreateChecked(gradientScale),
            acts.DNorm, p.TokenEmbedding.Gradient, acts.RowLoss);

        // ---- ln_f: x_L → ln_f(x_L);  dX = d(x_L) ----
        var dX = acts.DResidual;
        Array.Clear(dX, 0, n * dModel);
        LayerNormOp.Backward(_pool, acts.DNorm, acts.Residual[cfg.LayerCount], p.FinalNormWeight.Value, acts.FinalNormMean, acts.FinalNormRstd,
            dX, p.FinalNormWeight.Gradient, p.FinalNormBias.Gradient, n, dModel);

        bool[] needsInputGradient = InputGradientNeeded(out int lowestTraining);
        for (int l = cfg.LayerCount - 1; l >= lowestTraining; l--)
        {
            var layer = p.Layers[l];
            var a = acts.Layers[l];

            // ---- MLP: x_{l+1} = mid + c_proj(gelu(c_fc(ln_2(mid))));  dX holds d(x_{l+1}) ----
            LinearOp.Backward(_pool, layer.Down, a.FcAct, dX, n, acts.DHidden, a.DownLora, acts.Scratch);          // d(gelu out) [N, F]
            GeluOp.Backward(_pool, a.FcPre, acts.DHidden, acts.DHidden, n * f);                                    // d(c_fc out) [N, F]
            LinearOp.Backward(_pool, layer.Up, a.Ln2Out, acts.DHidden, n, acts.DNorm, a.UpLora, acts.Scratch);    // d(ln_2 out) [N, D]
            LayerNormOp.Backward(_pool, acts.DNorm, a.Mid, layer.Norm2Weight.Value, a.Ln2Mean, a.Ln2Rstd,
                dX, layer.Norm2Weight.Gradient, layer.Norm2Bias.Gradient, n, dModel);                              // dX = d(mid)

            // ---- attention: mid = x_l + c_proj(mqa(c_attn(ln_1(x_l)))) ----
            LinearOp.Backward(_pool, layer.AttentionOutput, a.AttOut, dX, n, acts.DAttention, a.AttentionOutputLora, acts.Scratch); // d(heads) [N, D]
            MultiQueryAttentionOp.Backward(_pool, a.Qkv, a.AttOut, a.Lse, acts.DAttention, acts.DQkv, acts.Delta,
                acts.RowStart, acts.SequenceEnd, n, heads, hd, _attentionScale, acts.MaxLength);                   // d(qkv) [N, QKV]
            bool upstream = needsInputGradient[l];
            LinearOp.Backward(_pool, layer.Qkv, a.Ln1Out, acts.DQkv, n, upstream ? acts.DNorm : null, a.QkvLora, acts.Scratch); // d(ln_1 out) [N, D]
            if (upstream)
            {
                LayerNormOp.Backward(_pool, acts.DNorm, acts.Residual[l], layer.Norm1Weight.Value, a.Ln1Mean, a.Ln1Rstd,
                    dX, layer.Norm1Weight.Gradient, layer.Norm1Bias.Gradient, n, dModel);                          // dX = d(x_l)
            }
        }

        // ---- embeddings: x_0 = wte[ids] + wpe[positions] ----
        if (p.TokenEmbedding.Gradient is not null || p.PositionEmbedding.Gradient is not null)
            EmbeddingOp.Backward(batch.TokenIds, batch.Positions, dX, dModel, p.TokenEmbedding.Gradient, p.PositionEmbedding.Gradient);

        return Loss(batch, sum, acts.RowLoss);
    }

    // Forward through every block to ln_f's output, keeping what the backward pass needs.
    private Activations Forward(TrainingBatch batch, Random? dropout)
    {
        var p = Parameters;
        var cfg = p.Config;
        int n = batch.RowCount, dModel = cfg.EmbeddingSize, heads = cfg.HeadCount, hd = cfg.HeadDim, f = cfg.FeedForwardSize;
        if (batch.MaxSequenceLength > cfg.ContextLength)
            throw new ArgumentException($"a sequence of {batch.MaxSequenceLength} tokens exceeds the model's {cfg.ContextLength} positions", nameof(batch));
        var acts = _acts is { } existing && existing.Capacity >= n ? existing : _acts = new Activations(p, n);
        acts.Describe(batch);

        // x_0 = wte[ids] + wpe[positions]                                                   [N, D]
        EmbeddingOp.Forward(batch.TokenIds, batch.Positions, p.TokenEmbedding.Value, p.PositionEmbedding.Value, dModel, acts.Residual[0]);

        for (int l = 0; l < cfg.LayerCount; l++)
        {
            var layer = p.Layers[l];
            var a = acts.Layers[l];
            var x = acts.Residual[l];

            // h = ln_1(x)                                                                   [N, D]
            LayerNormOp.Forward(_pool, x, layer.Norm1Weight.Value, layer.Norm1Bias.Value, _epsilon, a.Ln1Out, a.Ln1Mean, a.Ln1Rstd, n, dModel);
            // [q | k | v] = h·W_attnᵀ + b (+ LoRA)                                          [N, QKV]
            LinearOp.Forward(_pool, layer.Qkv, a.Ln1Out, n, a.Qkv, a.QkvLora, dropout);
            // o = concat_h softmax(q_h·kᵀ/√d, causal)·v                                     [N, D], lse [N, H]
            MultiQueryAttentionOp.Forward(_pool, a.Qkv, acts.RowStart, n, heads, hd, _attentionScale, a.AttOut, a.Lse, acts.MaxLength);
            // mid = x + o·W_projᵀ + b (+ LoRA)                                               [N, D]
            LinearOp.Forward(_pool, layer.AttentionOutput, a.AttOut, n, a.Mid, a.AttentionOutputLora, dropout);
            Numerics.Vectors.AddInPlace(a.Mid.AsSpan(0, n * dModel), x.AsSpan(0, n * dModel));

            // u = gelu(ln_2(mid)·W_fcᵀ + b)                                                 [N, F]
            LayerNormOp.Forward(_pool, a.Mid, layer.Norm2Weight.Value, layer.Norm2Bias.Value, _epsilon, a.Ln2Out, a.Ln2Mean, a.Ln2Rstd, n, dModel);
            LinearOp.Forward(_pool, layer.Up, a.Ln2Out, n, a.FcPre, a.UpLora, dropout);
            GeluOp.Forward(_pool, a.FcPre, a.FcAct, n * f);
            // x_{l+1} = mid + u·W_downᵀ + b (+ LoRA)                                         [N, D]
            var next = acts.Residual[l + 1];
            LinearOp.Forward(_pool, layer.Down, a.FcAct, n, next, a.DownLora, dropout);
            Numerics.Vectors.AddInPlace(next.AsSpan(0, n * dModel), a.Mid.AsSpan(0, n * dModel));
        }

        // ln_f(x_L)                                                                          [N, D]
        LayerNormOp.Forward(_pool, acts.Residual[cfg.LayerCount], p.FinalNormWeight.Value, p.FinalNormBias.Value, _epsilon,
            acts.FinalNormOut, acts.FinalNormMean, acts.FinalNormRstd, n, dModel);
        return acts;
    }

    // Block l needs the gradient of its input only if something below it trains: an embedding, or any tensor of
    // blocks 0..l−1, or its own ln_1 (whose gradient comes from that same backward step). Blocks below the lowest
    // one that trains need no backward pass at all (a trainable embedding needs every block's).
    private bool[] InputGradientNeeded(out int lowestTraining)
    {
        var p = Parameters;
        var needed = new bool[p.Layers.Count];
        bool embeddings = p.TokenEmbedding.IsTrainable || p.PositionEmbedding.IsTrainable;
        bool below = embeddings;
        lowestTraining = embeddings ? 0 : needed.Length;
        for (int l = 0; l < needed.Length; l++)
        {
            var layer = p.Layers[l];
            needed[l] = below || layer.Norm1Weight.IsTrainable || layer.Norm1Bias.IsTrainable;
            if (LayerTrains(layer))
                lowestTraining = Math.Min(lowestTraining, l);
            below = needed[l] || LayerTrains(layer);
        }
        return needed;
    }

    private static bool LayerTrains(TrainingLayer<T> layer)
        => layer.Norm1Weight.IsTrainable || layer.Norm1Bias.IsTrainable || layer.Norm2Weight.IsTrainable || layer.Norm2Bias.IsTrainable
            || new[] { layer.Qkv, layer.AttentionOutput, layer.Up, layer.Down }.Any(l =>
                l.Weight.IsTrainable || l.Bias.IsTrainable || (l.Lora is { } b && (b.A.IsTrainable || b.B.IsTrainable)));

    private static BatchLoss Loss(TrainingBatch batch, double sum, double[] rowLoss)
    {
        var sums = new double[batch.SequenceCount];
        var counts = new int[batch.SequenceCount];
        for (int s = 0; s < batch.SequenceCount; s++)
        {
            for (int row = batch.SequenceStarts[s]; row < batch.SequenceStarts[s + 1]; row++)
            {
                if (batch.Targets[row] < 0) continue;
                sums[s] += rowLoss[row];
                counts[s]++;
            }
        }
        return new BatchLoss(sum, batch.TargetCount, sums, counts);
    }

    // Buffers sized for a row capacity, reused by every pass that fits.
    private sealed class Activations
    {
        public Activations(GptBigCodeParameters<T> p, int capacity)
        {
            var cfg = p.Config;
            int d = cfg.EmbeddingSize, f = cfg.FeedForwardSize, qkv = cfg.QkvSize, heads = cfg.HeadCount;
            Capacity = capacity;
            Residual = new T[cfg.LayerCount + 1][];
            for (int l = 0; l < Residual.Length; l++)
                Residual[l] = new T[capacity * d];
            Layers = [.. p.Layers.Select(layer => new LayerActivations(layer, capacity, d, qkv, f, heads))];
            FinalNormOut = new T[capacity * d];
            FinalNormMean = new T[capacity];
            FinalNormRstd = new T[capacity];
            RowLoss = new double[capacity];
            RowStart = new int[capacity];
            SequenceEnd = new int[capacity];
            DResidual = new T[capacity * d];
            DNorm = new T[capacity * d];
            DAttention = new T[capacity * d];
            DQkv = new T[capacity * qkv];
            DHidden = new T[capacity * f];
            Delta = new T[capacity * heads];
            Scratch = new T[capacity * Math.Max(f, d)];
        }

        public int Capacity { get; }
        public int MaxLength { get; private set; }
        public T[][] Residual { get; }            // x_0 … x_L, each [N, D]
        public LayerActivations[] Layers { get; }
        public T[] FinalNormOut { get; }          // [N, D]
        public T[] FinalNormMean { get; }         // [N]
        public T[] FinalNormRstd { get; }         // [N]
        public double[] RowLoss { get; }          // [N]
        public int[] RowStart { get; }            // [N]: first row of the row's sequence
        public int[] SequenceEnd { get; }         // [N]: one past the last row of the row's sequence
        public T[] DResidual { get; }             // [N, D]
        public T[] DNorm { get; }                 // [N, D]: gradient of a LayerNorm's output
        public T[] DAttention { get; }            // [N, D]
        public T[] DQkv { get; }                  // [N, QKV]
        public T[] DHidden { get; }               // [N, F]
        public T[] Delta { get; }                 // [N, H]
        public T[] Scratch { get; }               // [N, max(F, D)]

        public void Describe(TrainingBatch batch)
        {
            MaxLength = batch.MaxSequenceLength;
            for (int s = 0; s < batch.SequenceCount; s++)
            {
                for (int row = batch.SequenceStarts[s]; row < batch.SequenceStarts[s + 1]; row++)
                {
                    RowStart[row] = batch.SequenceStarts[s];
                    SequenceEnd[row] = batch.SequenceStarts[s + 1];
                }
            }
        }
    }

    private sealed class LayerActivations(TrainingLayer<T> layer, int capacity, int d, int qkv, int f, int heads)
    {
        public T[] Ln1Out { get; } = new T[capacity * d];      // [N, D]
        public T[] Ln1Mean { get; } = new T[capacity];
        public T[] Ln1Rstd { get; } = new T[capacity];
        public T[] Qkv { get; } = new T[capacity * qkv];       // [N, QKV]
        public T[] AttOut { get; } = new T[capacity * d];      // [N, D]: heads concatenated, before c_proj
        public T[] Lse { get; } = new T[capacity * heads];     // [N, H]
        public T[] Mid { get; } = new T[capacity * d];         // [N, D]: residual after attention
        public T[] Ln2Out { get; } = new T[capacity * d];
        public T[] Ln2Mean { get; } = new T[capacity];
        public T[] Ln2Rstd { get; } = new T[capacity];
        public T[] FcPre { get; } = new T[capacity * f];       // [N, F]: c_fc output
        public T[] FcAct { get; } = new T[capacity * f];       // [N, F]: gelu(c_fc output)
        public LoraActivations<T>? QkvLora { get; } = LoraFor(layer.Qkv, capacity);
        public LoraActivations<T>? AttentionOutputLora { get; } = LoraFor(layer.AttentionOutput, capacity);
        public LoraActivations<T>? UpLora { get; } = LoraFor(layer.Up, capacity);
        public LoraActivations<T>? DownLora { get; } = LoraFor(layer.Down, capacity);

        private static LoraActivations<T>? LoraFor(LinearLayer<T> linear, int capacity)
            => linear.Lora is { } branch ? new LoraActivations<T>(capacity, linear.InFeatures, branch.Rank) : null;
    }
}

/// <summary>The cross-entropy of one batch, in f64.</summary>
/// <param name="CrossEntropySum">Σ of the per-position cross-entropies over the kept positions.</param>
/// <param name="TargetCount">Number of kept positions.</param>
/// <param name="SequenceSums">Σ per sequence.</param>
/// <param name="SequenceCounts">Kept positions per sequence.</param>
public sealed record BatchLoss(double CrossEntropySum, int TargetCount, IReadOnlyList<double> SequenceSums, IReadOnlyList<int> SequenceCounts)
{
    /// <summary>The mean loss (Hugging Face's <c>loss</c>); NaN when no position is kept.</summary>
    public double Mean => TargetCount == 0 ? double.NaN : CrossEntropySum / TargetCount;
}
