using System.Numerics;
using StarChat.Training.Model;

namespace StarChat.Training.Optimization;

/// <summary>
/// AdamW exactly as <c>torch.optim.AdamW</c> (torch 1.13, single-tensor path) computes it, per element:
/// <code>
/// p ← p·(1 − lr·wd)                     (only for parameters that decay)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
/// </code>
/// Hugging Face's Trainer of the StarChat era defaulted to <c>transformers.AdamW</c> (<c>adamw_hf</c>), which places
/// eps and the decay slightly differently; the fixtures follow torch's, and so does this.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class AdamW<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly AdamWSettings _settings;
    private readonly List<Slot> _slots = [];

    /// <summary>Creates the optimizer over the parameters that are trainable now.</summary>
    /// <param name="parameters">Parameters to update; frozen ones are skipped.</param>
    /// <param name="settings">Betas, eps, weight decay.</param>
    /// <param name="decays">Which parameters weight decay applies to; null uses Hugging Face's rule (not biases, not LayerNorm; <see cref="Parameter{T}.SkipsWeightDecay"/>).</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    public AdamW(IEnumerable<Parameter<T>> parameters, AdamWSettings settings, Func<Parameter<T>, bool>? decays = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
        decays ??= p => !p.SkipsWeightDecay;
        foreach (var p in parameters.Where(p => p.IsTrainable))
            _slots.Add(new Slot(p, new T[p.Value.Length], new T[p.Value.Length], decays(p)));
    }

    /// <summary>Updates taken so far (t in the bias corrections).</summary>
    public int StepCount { get; private set; }

    /// <summary>The parameters updated, with their moment estimates (for checkpoints).</summary>
    public IEnumerable<(Parameter<T> Parameter, T[] FirstMoment, T[] SecondMoment)> State
        => _slots.Select(s => (s.Parameter, s.M, s.V));

    /// <summary>Restores the step count and moments saved by a checkpoint.</summary>
    /// <exception cref="ArgumentException">A moment is missing or has the wrong length.</exception>
    public void Restore(int stepCount, Func<string, (T[] FirstMoment, T[] SecondMoment)?> moments)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        ArgumentNullException.ThrowIfNull(moments);
        foreach (var s in _slots)
        {
            if (moments(s.Parameter.Name) is not var (m, v) || m.Length != s.M.Length || v.Length != s.V.Length)
                throw new ArgumentException($"optimizer state for '{s.Parameter.Name}' is missing or has the wrong size");
            m.CopyTo(s.M, 0);
            v.CopyTo(s.V, 0);
        }
        StepCount = stepCount;
    }

    /// <summary>Applies one update with the gradients now held by the parameters.</summary>
    /// <param name="learningRate">This step's learning rate.</param>
    public void Step(double learningRate)
    {
        StepCount++;
        int t = StepCount;
        double b1 = _settings.Beta1, b2 = _settings.Beta2;
        T beta1 = T.CreateChecked(b1), beta2 = T.CreateChecked(b2);
        T oneMinusBeta1 = T.CreateChecked(1 - b1), oneMinusBeta2 = T.CreateChecked(1 - b2);
        T stepSize = T.CreateChecked(learningRate / (1 - Math.Pow(b1, t)));
        T correction2Sqrt = T.CreateChecked(Math.Sqrt(1 - Math.Pow(b2, t)));
        T eps = T.CreateChecked(_settings.Epsilon);
        T decay = T.CreateChecked(1 - learningRate * _settings.WeightDecay);
        foreach (var s in _slots)
        {
            var p = s.Parameter.Value;
            var g = s.Parameter.Gradient!;
            bool decays = s.Decays && _settings.WeightDecay != 0;
            for (int i = 0; i < p.Length; i++)
            {
                if (decays)
                    p[i] *= decay;
                s.M[i] = beta1 * s.M[i] + oneMinusBeta1 * g[i];
                s.V[i] = beta2 * s.V[i] + oneMinusBeta2 * g[i] * g[i];
                p[i] -= stepSize * s.M[i] / (T.Sqrt(s.V[i]) / correction2Sqrt + eps);
            }
        }
    }

    private sealed record Slot(Parameter<T> Parameter, T[] M, T[] V, bool Decays);
}
