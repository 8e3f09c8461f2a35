using System.Text.Json.Serialization;

namespace StarChat.Training.Data;

/// <summary>What <c>starchat data prepare</c> read, skipped and wrote (saved as <c>stats.json</c>).</summary>
public sealed record DatasetStatistics
{
    /// <summary>The statistics as indented JSON, as <c>stats.json</c> holds them.</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, TrainingJsonContext.Default.DatasetStatistics);

    /// <summary>Records read from the input.</summary>
    [JsonPropertyName("dialogues")] public int Dialogues { get; init; }

    /// <summary>Records with no message at all (skipped).</summary>
    [JsonPropertyName("skipped_empty")] public int SkippedEmpty { get; init; }

    /// <summary>Records without an assistant turn: nothing to learn (skipped).</summary>
    [JsonPropertyName("skipped_no_assistant")] public int SkippedNoAssistant { get; init; }

    /// <summary>Records whose first assistant token lies beyond the block size, so truncation leaves nothing to learn (skipped).</summary>
    [JsonPropertyName("skipped_assistant_beyond_block")] public int SkippedAssistantBeyondBlock { get; init; }

    /// <summary>Dialogues longer than the block size, truncated to it (not counted when packing, which splits them across blocks).</summary>
    [JsonPropertyName("truncated")] public int Truncated { get; init; }

    /// <summary>Dialogues in the training split.</summary>
    [JsonPropertyName("train_dialogues")] public int TrainDialogues { get; init; }

    /// <summary>Dialogues in the test split.</summary>
    [JsonPropertyName("test_dialogues")] public int TestDialogues { get; init; }

    /// <summary>Records in train.jsonl (dialogues, or blocks when packing).</summary>
    [JsonPropertyName("train_examples")] public int TrainExamples { get; init; }

    /// <summary>Records in test.jsonl.</summary>
    [JsonPropertyName("test_examples")] public int TestExamples { get; init; }

    /// <summary>Tokens written, both splits.</summary>
    [JsonPropertyName("tokens")] public long Tokens { get; init; }

    /// <summary>Tokens whose label is −100 (user turns), both splits.</summary>
    [JsonPropertyName("masked_tokens")] public long MaskedTokens { get; init; }

    /// <summary>Share of tokens masked.</summary>
    [JsonPropertyName("masked_share")] public double MaskedShare => Tokens == 0 ? 0 : (double)MaskedTokens / Tokens;

    /// <summary>Tokens cut off by truncation.</summary>
    [JsonPropertyName("truncated_tokens")] public long TruncatedTokens { get; init; }

    /// <summary>The block size used.</summary>
    [JsonPropertyName("block_size")] public int BlockSize { get; init; }

    /// <summary>True when dialogues were packed into blocks.</summary>
    [JsonPropertyName("packed")] public bool Packed { get; init; }

    /// <summary>The format written.</summary>
    [JsonPropertyName("format")] public string Format { get; init; } = "starchat";
}
