namespace StarChat.Training.FineTuning;

/// <summary>
/// The loss or the gradient stopped being a finite number, so training stopped before the update that would have
/// spoiled the weights; no checkpoint was written after the problem appeared.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(int step, double learningRate, double loss, double gradientNorm, string? lastCheckpoint)
        : base($"training diverged at step {step}: loss {loss}, gradient norm {gradientNorm} at learning rate {learningRate:G3}; "
            + (lastCheckpoint is null ? "no checkpoint had been written yet" : $"the last good checkpoint is {lastCheckpoint}"))
    {
        Step = step;
        LastCheckpoint = lastCheckpoint;
    }

    /// <summary>The step whose loss or gradient was not finite.</summary>
    public int Step { get; }

    /// <summary>The newest checkpoint written before the divergence, or null.</summary>
    public string? LastCheckpoint { get; }
}
