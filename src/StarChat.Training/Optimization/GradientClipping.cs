using System.Numerics;
using StarChat.Training.Model;

namespace StarChat.Training.Optimization;

/// <summary>Gradient norm and clipping as <c>torch.nn.utils.clip_grad_norm_</c> (what Hugging Face's Trainer calls).</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all the parameters' gradients together, in f64.</summary>
    public static double GlobalNorm<T>(IEnumerable<Parameter<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sum = 0;
        foreach (var p in parameters)
        {
            if (p.Gradient is not { } g) continue;
            foreach (var v in g)
            {
                double d = double.CreateChecked(v);
                sum += d * d;
            }
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales every gradient by <c>maxNorm / (norm + 1e-6)</c> when that factor is below 1; returns the norm before
    /// clipping (NaN or ∞ when a gradient is not finite, in which case nothing is scaled).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive.</exception>
    public static double ClipGlobalNorm<T>(IEnumerable<Parameter<T>> parameters, double maxNorm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        var list = parameters.Where(p => p.IsTrainable).ToList();
        double norm = GlobalNorm(list);
        double factor = maxNorm / (norm + 1e-6);
        if (!double.IsFinite(norm) || factor >= 1)
            return norm;
        T f = T.CreateChecked(factor);
        foreach (var p in list)
            Numerics.Vectors.Scale(p.Gradient.AsSpan(), f);
        return norm;
    }
}
