using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Training.Model;
using StarChat.Training.Numerics;

namespace StarChat.Training.Ops;

/// <summary>What a LoRA branch keeps from its forward pass for the backward pass (sized for a batch's rows).</summary>
internal sealed class LoraActivations<T>(int rows, int inFeatures, int rank) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>[N, in]: 0 or 1/(1 − p) per input element; unused when this pass has no dropout.</summary>
    public T[] DropoutScale { get; } = new T[rows * inFeatures];

    /// <summary>[N, in]: the branch input after dropout.</summary>
    public T[] DroppedInput { get; } = new T[rows * inFeatures];

    /// <summary>True when <see cref="DropoutScale"/> and <see cref="DroppedInput"/> hold this pass's dropout.</summary>
    public bool HasDropout { get; set; }

    /// <summary>[N, r]: s·(dropped x)·Aᵀ, the branch's bottleneck (s folded in, as it feeds B).</summary>
    public T[] ScaledDown { get; } = new T[rows * rank];

    /// <summary>[N, r]: scratch for its gradient.</summary>
    public T[] ScaledDownGradient { get; } = new T[rows * rank];

    /// <summary>Rows these buffers hold.</summary>
    public int Capacity => rows;
}

/// <summary>A linear layer with an optional LoRA branch (PEFT <c>lora.Linear</c>, <c>fan_in_fan_out</c> false).</summary>
internal static class LinearOp
{
    // y = x·Wᵀ + b  [+ (s·drop(x)·Aᵀ)·Bᵀ]             x: [N, in], W: [out, in], A: [r, in], B: [out, r], y: [N, out]
    public static void Forward<T>(WorkerPool? pool, LinearLayer<T> layer, T[] x, int rows, T[] y, LoraActivations<T>? lora, Random? dropoutRandom)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inF = layer.InFeatures, outF = layer.OutFeatures;
        var input = MatrixSlice<T>.Dense(x, rows, inF);
        var output = MatrixSlice<T>.Dense(y, rows, outF);
        ParallelGemm.MultiplyByTransposed(pool, input, MatrixSlice<T>.Dense(layer.Weight.Value, outF, inF), output, false, layer.Bias.Value);
        if (layer.Lora is not { } branch)
            return;
        ArgumentNullException.ThrowIfNull(lora);
        int r = branch.Rank;
        var branchInput = input;
        lora.HasDropout = branch.Dropout > 0 && dropoutRandom is not null;
        if (lora.HasDropout)
        {
            ApplyDropout(x, rows * inF, branch.Dropout, dropoutRandom!, lora);
            branchInput = MatrixSlice<T>.Dense(lora.DroppedInput, rows, inF);
        }
        var down = MatrixSlice<T>.Dense(lora.ScaledDown, rows, r);
        ParallelGemm.MultiplyByTransposed(pool, branchInput, MatrixSlice<T>.Dense(branch.A.Value, r, inF), down, false);
        Vectors.Scale(lora.ScaledDown.AsSpan(0, rows * r), branch.Scaling);
        ParallelGemm.MultiplyByTransposed(pool, down, MatrixSlice<T>.Dense(branch.B.Value, outF, r), output, true);
    }

    // dx = dy·W  [+ ((s·dy·B)·A) ⊙ dropout scale]                                  (dx null: not needed upstream)
    // dW += dyᵀ·x;  db += Σ_n dy[n];  dB += dyᵀ·(s·drop(x)·Aᵀ);  dA += (s·dy·B)ᵀ·drop(x)      (each only when it trains)
    // scratch: [N, in], used only with dropout.
    public static void Backward<T>(WorkerPool? pool, LinearLayer<T> layer, T[] x, T[] dy, int rows, T[]? dx, LoraActivations<T>? lora, T[] scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inF = layer.InFeatures, outF = layer.OutFeatures;
        var input = MatrixSlice<T>.Dense(x, rows, inF);
        var dOutput = MatrixSlice<T>.Dense(dy, rows, outF);
        var weight = MatrixSlice<T>.Dense(layer.Weight.Value, outF, inF);
        if (dx is not null)
            ParallelGemm.Multiply(pool, dOutput, weight, MatrixSlice<T>.Dense(dx, rows, inF), accumulate: false);
        if (layer.Weight.Gradient is { } dW)
            ParallelGemm.MultiplyTransposedBy(pool, dOutput, input, MatrixSlice<T>.Dense(dW, outF, inF), accumulate: true);
        if (layer.Bias.Gradient is { } db)
        {
            for (int n = 0; n < rows; n++)
                Vectors.AddInPlace(db.AsSpan(), dy.AsSpan(n * outF, outF));
        }
        if (layer.Lora is not { } branch)
            return;
        ArgumentNullException.ThrowIfNull(lora);
        int r = branch.Rank;
        var down = MatrixSlice<T>.Dense(lora.ScaledDown, rows, r);
        var dDown = MatrixSlice<T>.Dense(lora.ScaledDownGradient, rows, r);
        var branchInput = lora.HasDropout ? MatrixSlice<T>.Dense(lora.DroppedInput, rows, inF) : input;
        if (branch.B.Gradient is { } dB)
            ParallelGemm.MultiplyTransposedBy(pool, dOutput, down, MatrixSlice<T>.Dense(dB, outF, r), accumulate: true);
        if (branch.A.Gradient is null && dx is null)
            return;
        // d(s·xd·Aᵀ) = dy·B, so d(xd·Aᵀ) = s·dy·B.
        ParallelGemm.Multiply(pool, dOutput, MatrixSlice<T>.Dense(branch.B.Value, outF, r), dDown, accumulate: false);
        Vectors.Scale(lora.ScaledDownGradient.AsSpan(0, rows * r), branch.Scaling);
        if (branch.A.Gradient is { } dA)
            ParallelGemm.MultiplyTransposedBy(pool, dDown, branchInput, MatrixSlice<T>.Dense(dA, r, inF), accumulate: true);
        if (dx is null)
            return;
        var a = MatrixSlice<T>.Dense(branch.A.Value, r, inF);
        if (!lora.HasDropout)
        {
            ParallelGemm.Multiply(pool, dDown, a, MatrixSlice<T>.Dense(dx, rows, inF), accumulate: true);
            return;
        }
        ParallelGemm.Multiply(pool, dDown, a, MatrixSlice<T>.Dense(scratch, rows, inF), accumulate: false);
        for (int i = 0; i < rows * inF; i++)
            dx[i] += scratch[i] * lora.DropoutScale[i];
    }

    // Inverted dropout as torch.nn.Dropout: keep with probability 1 − p and scale kept values by 1/(1 − p).
    private static void ApplyDropout<T>(T[] x, int count, double p, Random random, LoraActivations<T> lora)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T keep = T.One / T.CreateChecked(1 - p);
        for (int i = 0; i < count; i++)
        {
            T scale = random.NextDouble() >= p ? keep : T.Zero;
            lora.DropoutScale[i] = scale;
            lora.DroppedInput[i] = x[i] * scale;
        }
    }
}
