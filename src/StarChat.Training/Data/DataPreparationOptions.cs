namespace StarChat.Training.Data;

/// <summary>Options of <c>starchat data prepare</c>.</summary>
public sealed record DataPreparationOptions
{
    /// <summary>The input JSON Lines file (conversations, OpenAssistant trees or Alpaca records).</summary>
    public required string InputPath { get; init; }

    /// <summary>The folder to write <c>train.jsonl</c>, <c>test.jsonl</c>, <c>stats.json</c> and <c>trl/</c> to.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>StarChat or Alpaca.</summary>
    public DialogueFormat Format { get; init; } = DialogueFormat.StarChat;

    /// <summary>System prompt for dialogues without one (null: the template's, empty for StarChat).</summary>
    public string? System { get; init; }

    /// <summary>Longest sequence written (the StarChat recipe's <c>block_size</c>).</summary>
    public int BlockSize { get; init; } = 1024;

    /// <summary>Concatenate the dialogues and cut them into blocks of <see cref="BlockSize"/> instead of truncating each.</summary>
    public bool Pack { get; init; }

    /// <summary>Share of the dialogues held out for evaluation (the last ones, after shuffling if asked); 0 puts all in train.</summary>
    public double TestSplit { get; init; } = 0.1;

    /// <summary>Shuffle the dialogues with this seed before splitting; null keeps the input order.</summary>
    public int? ShuffleSeed { get; init; }

    /// <summary>Checks the numbers.</summary>
    /// <exception cref="ArgumentException">The block size is below 2 or the split is outside [0, 1).</exception>
    public void Validate()
    {
        if (BlockSize < 2)
            throw new ArgumentException($"--block-size must be at least 2 (got {BlockSize})");
        if (!(TestSplit >= 0 && TestSplit < 1))
            throw new ArgumentException($"--test-split must be in [0, 1) (got {TestSplit})");
    }
}
