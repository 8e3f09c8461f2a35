using System.Buffers;
using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Training.Numerics;

namespace StarChat.Training.Ops;

/// <summary>
/// Causal multi-query self-attention (GPTBigCode with <c>multi_query</c>): H query heads share one key head and one
/// value head. The probabilities are not stored: the forward pass keeps each row's log-sum-exp and the backward pass
/// recomputes <c>p = e^(s − lse)</c>, so memory grows with tokens, not tokens².
/// </summary>
internal static class MultiQueryAttentionOp
{
    // For each sequence, head h and position t (row n), over the positions j ≤ t of the same sequence:
    //   s_j = α·(q_{n,h} · k_j),   α = 1/√d (1 with scale_attn_weights off)
    //   p = softmax(s),  o_{n,h} = Σ_j p_j·v_j,  lse_{n,h} = log Σ_j e^{s_j}
    // qkv: [N, H·d + 2d] = [q_0 … q_{H−1} | k | v];  output: [N, H·d];  lse: [N, H]
    // rowStart[n]: first row of n's sequence; position[n] = n − rowStart[n].
    public static void Forward<T>(WorkerPool? pool, T[] qkv, int[] rowStart, int rows, int heads, int d, T alpha, T[] output, T[] lse, int maxLength)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Rows.Run(pool, rows * heads, maxLength * d, new ForwardBody<T>(qkv, rowStart, heads, d, alpha, output, lse, maxLength));

    // With p recomputed and dp_j = do_{n,h}·v_j,  Δ_{n,h} = do_{n,h}·o_{n,h} = Σ_j p_j·dp_j:
    //   ds_j = p_j·(dp_j − Δ)
    //   dq_{n,h} = α·Σ_j ds_j·k_j                     (pass 1, one item per query row and head)
    //   dk_j = α·Σ_{n,h} ds·q_{n,h},  dv_j = Σ_{n,h} p·do_{n,h}      (pass 2, one item per key row: no two items write the same row)
    // dqkv: [N, H·d + 2d] (overwritten);  delta: [N, H] scratch.
    public static void Backward<T>(WorkerPool? pool, T[] qkv, T[] output, T[] lse, T[] dOutput, T[] dQkv, T[] delta,
        int[] rowStart, int[] sequenceEnd, int rows, int heads, int d, T alpha, int maxLength)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = heads * d + 2 * d;
        Array.Clear(dQkv, 0, rows * width);
        Rows.Run(pool, rows * heads, 2 * maxLength * d, new QueryBody<T>(qkv, output, lse, dOutput, dQkv, delta, rowStart, heads, d, alpha));
        Rows.Run(pool, rows, 2 * maxLength * heads * d, new KeyBody<T>(qkv, lse, dOutput, dQkv, delta, sequenceEnd, heads, d, alpha));
    }

    private readonly struct ForwardBody<T>(T[] qkv, int[] rowStart, int heads, int d, T alpha, T[] output, T[] lse, int maxLength)
        : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int width = heads * d + 2 * d, kOffset = heads * d, vOffset = heads * d + d;
            var scores = ArrayPool<T>.Shared.Rent(maxLength);
            try
            {
                for (int item = start; item < end; item++)
                {
                    int n = item / heads, h = item % heads, first = rowStart[n], count = n - first + 1;
                    var q = qkv.AsSpan(n * width + h * d, d);
                    T max = T.NegativeInfinity;
                    for (int j = 0; j < count; j++)
                    {
                        T s = alpha * Vectors.Dot<T>(q, qkv.AsSpan((first + j) * width + kOffset, d));
                        scores[j] = s;
                        if (s > max) max = s;
                    }
                    T sum = T.Zero;
                    for (int j = 0; j < count; j++)
                    {
                        T e = T.Exp(scores[j] - max);
                        scores[j] = e;
                        sum += e;
                    }
                    var o = output.AsSpan(n * heads * d + h * d, d);
                    o.Clear();
                    T inverse = T.One / sum;
                    for (int j = 0; j < count; j++)
                        Vectors.AddScaled(o, scores[j] * inverse, qkv.AsSpan((first + j) * width + vOffset, d));
                    lse[n * heads + h] = max + T.Log(sum);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scores);
            }
        }
    }

    private readonly struct QueryBody<T>(T[] qkv, T[] output, T[] lse, T[] dOutput, T[] dQkv, T[] delta, int[] rowStart, int heads, int d, T alpha)
        : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int width = heads * d + 2 * d, kOffset = heads * d, vOffset = heads * d + d;
            for (int item = start; item < end; item++)
            {
                int n = item / heads, h = item % heads, first = rowStart[n];
                var q = qkv.AsSpan(n * width + h * d, d);
                var dout = dOutput.AsSpan(n * heads * d + h * d, d);
                T deltaNh = Vectors.Dot<T>(dout, output.AsSpan(n * heads * d + h * d, d));
                delta[item] = deltaNh;
                T l = lse[item];
                var dq = dQkv.AsSpan(n * width + h * d, d);
                for (int row = first; row <= n; row++)
                {
                    var k = qkv.AsSpan(row * width + kOffset, d);
                    T p = T.Exp(alpha * Vectors.Dot<T>(q, k) - l);
                    T dp = Vectors.Dot<T>(dout, qkv.AsSpan(row * width + vOffset, d));
                    Vectors.AddScaled(dq, alpha * p * (dp - deltaNh), k);
                }
            }
        }
    }

    private readonly struct KeyBody<T>(T[] qkv, T[] lse, T[] dOutput, T[] dQkv, T[] delta, int[] sequenceEnd, int heads, int d, T alpha)
        : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            int width = heads * d + 2 * d, kOffset = heads * d, vOffset = heads * d + d;
            for (int j = start; j < end; j++)
            {
                var k = qkv.AsSpan(j * width + kOffset, d);
                var v = qkv.AsSpan(j * width + vOffset, d);
                var dk = dQkv.AsSpan(j * width + kOffset, d);
                var dv = dQkv.AsSpan(j * width + vOffset, d);
                // Queries at or after j in the same sequence attend to key j.
                for (int n = j; n < sequenceEnd[j]; n++)
                {
                    for (int h = 0; h < heads; h++)
                    {
                        var q = qkv.AsSpan(n * width + h * d, d);
                        var dout = dOutput.AsSpan(n * heads * d + h * d, d);
                        T p = T.Exp(alpha * Vectors.Dot<T>(q, k) - lse[n * heads + h]);
                        Vectors.AddScaled(dv, p, dout);
                        T ds = p * (Vectors.Dot<T>(dout, v) - delta[n * heads + h]);
                        Vectors.AddScaled(dk, alpha * ds, q);
                    }
                }
            }
        }
    }
}
