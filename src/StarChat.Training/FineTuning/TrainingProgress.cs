namespace StarChat.Training.FineTuning;

/// <summary>What a run will do, reported once before the first step.</summary>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="StepsPerEpoch">Optimizer steps per epoch.</param>
/// <param name="TrainExamples">Sequences in the training split.</param>
/// <param name="TestExamples">Sequences in the test split.</param>
/// <param name="TrainableParameters">Trainable values (LoRA matrices and fully trained tensors).</param>
/// <param name="StartStep">Steps already done (a resumed run starts after them).</param>
public sealed record TrainingPlan(int TotalSteps, int StepsPerEpoch, int TrainExamples, int TestExamples, long TrainableParameters, int StartStep);

/// <summary>One optimizer step.</summary>
/// <param name="Step">1-based step number.</param>
/// <param name="Epoch">Fractional epoch reached (1.0 = end of the first epoch).</param>
/// <param name="Loss">Mean training loss over the step's tokens.</param>
/// <param name="LearningRate">The rate this step used.</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="Tokens">Tokens the step processed.</param>
/// <param name="TokensPerSecond">Throughput of this step.</param>
/// <param name="Elapsed">Time since the run (or the resume) started.</param>
/// <param name="Remaining">Estimated time to the last step.</param>
public sealed record StepReport(int Step, double Epoch, double Loss, double LearningRate, double GradientNorm, int Tokens,
    double TokensPerSecond, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>Receives a run's events (the CLI draws progress from them).</summary>
public interface ITrainingProgress
{
    /// <summary>The run starts.</summary>
    void Started(TrainingPlan plan);

    /// <summary>An optimizer step finished.</summary>
    void Stepped(StepReport report);

    /// <summary>The test split was evaluated at the end of an epoch.</summary>
    void Evaluated(int epoch, int step, double loss);

    /// <summary>A checkpoint was written.</summary>
    void Saved(string folder);
}
