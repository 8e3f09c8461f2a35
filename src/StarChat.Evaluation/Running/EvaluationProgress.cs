namespace StarChat.Evaluation.Running;

/// <summary>Where a run stands: samples tested of all, how many passed, and a time estimate.</summary>
/// <param name="Done">Samples with a result (resumed ones included).</param>
/// <param name="Total">Samples the run will have tested at the end.</param>
/// <param name="Passed">Samples that passed so far.</param>
/// <param name="Elapsed">Time since this run started.</param>
/// <param name="Eta">Estimated time left, from this run's pace; null until something finished.</param>
public sealed record EvaluationProgress(int Done, int Total, int Passed, TimeSpan Elapsed, TimeSpan? Eta)
{
    /// <summary>Pass rate so far.</summary>
    public double PassRate => Done == 0 ? 0 : (double)Passed / Done;
}
