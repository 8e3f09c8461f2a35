namespace StarChat.Training.Optimization;

/// <summary>AdamW hyper-parameters (<c>torch.optim.AdamW</c> names and defaults; weight decay as the StarChat recipe: 0).</summary>
public sealed record AdamWSettings
{
    /// <summary><c>betas[0]</c>: decay of the first-moment average.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary><c>betas[1]</c>: decay of the second-moment average.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary><c>eps</c>: added to the denominator.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary><c>weight_decay</c>: decoupled decay, <c>p ← p·(1 − lr·wd)</c> before each step.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Checks the numbers.</summary>
    /// <exception cref="ArgumentException">A beta is outside [0, 1), eps is negative, or weight decay is negative.</exception>
    public void Validate()
    {
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
            throw new ArgumentException($"AdamW betas must be in [0, 1) (got {Beta1}, {Beta2})");
        if (!(Epsilon >= 0))
            throw new ArgumentException($"AdamW eps must be non-negative (got {Epsilon})");
        if (!(WeightDecay >= 0))
            throw new ArgumentException($"weight decay must be non-negative (got {WeightDecay})");
    }
}
