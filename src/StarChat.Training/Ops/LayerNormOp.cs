using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Training.Numerics;

namespace StarChat.Training.Ops;

/// <summary>LayerNorm over the last dimension with the biased variance, as <c>torch.nn.LayerNorm</c>.</summary>
internal static class LayerNormOp
{
    // μ = mean(x[n]), σ² = mean((x[n] − μ)²), rstd = 1/√(σ² + eps)
    // out[n] = (x[n] − μ)·rstd ⊙ γ + β                     x, out: [N, D];  mean, rstd: [N] (kept for the backward pass)
    public static void Forward<T>(WorkerPool? pool, T[] x, T[] gamma, T[] beta, T eps, T[] output, T[] mean, T[] rstd, int rows, int d)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Rows.Run(pool, rows, d * 4, new ForwardBody<T>(x, gamma, beta, eps, output, mean, rstd, d));

    // x̂ = (x − μ)·rstd;  g = dout ⊙ γ
    // dx[n] += rstd·(g − mean(g) − x̂·mean(g ⊙ x̂))               (accumulated: dx is the residual stream's gradient)
    // dγ += Σ_n dout[n] ⊙ x̂[n];  dβ += Σ_n dout[n]               (when γ, β train)
    public static void Backward<T>(WorkerPool? pool, T[] dOutput, T[] x, T[] gamma, T[] mean, T[] rstd, T[] dx,
        T[]? dGamma, T[]? dBeta, int rows, int d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Rows.Run(pool, rows, d * 6, new BackwardBody<T>(dOutput, x, gamma, mean, rstd, dx, d));
        if (dGamma is null && dBeta is null)
            return;
        // Parameter gradients sum over rows: serial, so the order is fixed (it is D work per row, tiny next to the matmuls).
        var normalized = new T[d];
        for (int n = 0; n < rows; n++)
        {
            var dout = dOutput.AsSpan(n * d, d);
            if (dGamma is not null)
            {
                var xr = x.AsSpan(n * d, d);
                for (int i = 0; i < d; i++)
                    normalized[i] = (xr[i] - mean[n]) * rstd[n];
                for (int i = 0; i < d; i++)
                    dGamma[i] += dout[i] * normalized[i];
            }
            if (dBeta is not null)
                Vectors.AddInPlace(dBeta.AsSpan(), dout);
        }
    }

    private readonly struct ForwardBody<T>(T[] x, T[] gamma, T[] beta, T eps, T[] output, T[] mean, T[] rstd, int d)
        : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            T count = T.CreateChecked(d);
            for (int n = start; n < end; n++)
            {
                var xr = x.AsSpan(n * d, d);
                T mu = Vectors.Sum<T>(xr) / count;
                T variance = T.Zero;
                foreach (var v in xr)
                    variance += (v - mu) * (v - mu);
                variance /= count;
                T r = T.One / T.Sqrt(variance + eps);
                mean[n] = mu;
                rstd[n] = r;
                var o = output.AsSpan(n * d, d);
                for (int i = 0; i < d; i++)
                    o[i] = (xr[i] - mu) * r * gamma[i] + beta[i];
            }
        }
    }

    private readonly struct BackwardBody<T>(T[] dOutput, T[] x, T[] gamma, T[] mean, T[] rstd, T[] dx, int d)
        : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Invoke(int start, int end)
        {
            T count = T.CreateChecked(d);
            for (int n = start; n < end; n++)
            {
                var dout = dOutput.AsSpan(n * d, d);
                var xr = x.AsSpan(n * d, d);
                T mu = mean[n], r = rstd[n];
                T sumG = T.Zero, sumGx = T.Zero;
                for (int i = 0; i < d; i++)
                {
                    T g = dout[i] * gamma[i];
                    sumG += g;
                    sumGx += g * (xr[i] - mu) * r;
                }
                T meanG = sumG / count, meanGx = sumGx / count;
                var dxr = dx.AsSpan(n * d, d);
                for (int i = 0; i < d; i++)
                    dxr[i] += r * (dout[i] * gamma[i] - meanG - (xr[i] - mu) * r * meanGx);
            }
        }
    }
}
