namespace StarChat.Training.Data;

/// <summary>
/// One training sequence: token ids and the labels the loss sees (<c>-100</c> = left out), of equal length. Labels
/// are not shifted: as in Hugging Face, position t's logits are scored against the label at t + 1.
/// </summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="Labels">The id where it is learned, -100 where it is masked.</param>
public sealed record TrainingExample(int[] InputIds, int[] Labels)
{
    /// <summary>Positions whose label counts.</summary>
    public int LearnedTokens => Labels.Count(l => l != Model.TrainingBatch.IgnoreIndex);
}
