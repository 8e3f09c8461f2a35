namespace StarChat.Training.Optimization;

/// <summary>The shape of the learning rate over training (Hugging Face <c>lr_scheduler_type</c>).</summary>
public enum SchedulerKind
{
    /// <summary>Linear warmup, then constant.</summary>
    Constant,

    /// <summary>Linear warmup, then linear decay to 0.</summary>
    Linear,

    /// <summary>Linear warmup, then half a cosine down to 0 (<c>get_cosine_schedule_with_warmup</c>).</summary>
    Cosine,
}

/// <summary>
/// The learning rate of each optimizer step as Hugging Face's schedulers compute it: step k (0-based) uses
/// <c>base · λ(k)</c>, with λ(k) = k / warmup during warmup (so the very first step has rate 0 when warmup &gt; 0),
/// then 1 (constant), 1 − progress (linear) or ½(1 + cos π·progress) (cosine), progress = (k − warmup)/(total − warmup).
/// </summary>
/// <param name="BaseRate">The peak learning rate.</param>
/// <param name="TotalSteps">Optimizer steps in the whole run.</param>
/// <param name="WarmupSteps">Steps of linear warmup.</param>
/// <param name="Kind">What follows the warmup.</param>
public sealed record LearningRateSchedule(double BaseRate, int TotalSteps, int WarmupSteps, SchedulerKind Kind)
{
    /// <summary>A schedule whose warmup is a share of the run, rounded up as Hugging Face's <c>get_warmup_steps</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not positive and finite, steps are negative, or the ratio is outside [0, 1].</exception>
    public static LearningRateSchedule FromWarmupRatio(double baseRate, int totalSteps, double warmupRatio, SchedulerKind kind)
    {
        if (!(baseRate > 0) || !double.IsFinite(baseRate))
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "the learning rate must be a positive number");
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        if (!(warmupRatio >= 0 && warmupRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(warmupRatio), warmupRatio, "the warmup ratio must be in [0, 1]");
        return new LearningRateSchedule(baseRate, totalSteps, (int)Math.Ceiling(totalSteps * warmupRatio), kind);
    }

    /// <summary>The learning rate of optimizer step <paramref name="step"/> (0-based).</summary>
    public double RateAt(int step)
    {
        if (step < WarmupSteps)
            return BaseRate * step / Math.Max(1, WarmupSteps);
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            SchedulerKind.Constant => BaseRate,
            SchedulerKind.Linear => BaseRate * Math.Max(0, 1 - progress),
            _ => BaseRate * Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * progress))),
        };
    }
}
