using System.Text.Json;
using System.Text.Json.Serialization;

namespace StarChat.Training.FineTuning;

/// <summary>One line of the training log (Hugging Face's <c>log_history</c>): a step, or an evaluation.</summary>
public sealed record LogEntry
{
    /// <summary>Optimizer step.</summary>
    [JsonPropertyName("step")] public int Step { get; init; }

    /// <summary>Fractional epoch.</summary>
    [JsonPropertyName("epoch")] public double Epoch { get; init; }

    /// <summary>Training loss of the step (null on evaluation lines).</summary>
    [JsonPropertyName("loss")] public double? Loss { get; init; }

    /// <summary>Learning rate of the step.</summary>
    [JsonPropertyName("learning_rate")] public double? LearningRate { get; init; }

    /// <summary>Gradient norm before clipping.</summary>
    [JsonPropertyName("grad_norm")] public double? GradientNorm { get; init; }

    /// <summary>Tokens per second of the step.</summary>
    [JsonPropertyName("tokens_per_second")] public double? TokensPerSecond { get; init; }

    /// <summary>Test-split loss (evaluation lines only).</summary>
    [JsonPropertyName("eval_loss")] public double? EvalLoss { get; init; }
}

/// <summary>
/// <c>trainer_state.json</c>: where a run stands (saved in every checkpoint and in the output folder) and the shape
/// of the run it belongs to, so that a resume can refuse a checkpoint made for other data or batch settings.
/// </summary>
public sealed record TrainerState
{
    private static readonly TrainingJsonContext s_json = new(new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });

    /// <summary>The file's name.</summary>
    public const string FileName = "trainer_state.json";

    /// <summary>Optimizer steps done.</summary>
    [JsonPropertyName("global_step")] public int GlobalStep { get; init; }

    /// <summary>Steps planned.</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; }

    /// <summary>Training examples of the dataset.</summary>
    [JsonPropertyName("train_examples")] public int TrainExamples { get; init; }

    /// <summary>Micro-batch size.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; }

    /// <summary>Accumulation steps.</summary>
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulation { get; init; }

    /// <summary>Seed.</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }

    /// <summary>The log so far.</summary>
    [JsonPropertyName("log_history")] public IReadOnlyList<LogEntry> LogHistory { get; init; } = [];

    /// <summary>Writes the state.</summary>
    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, s_json.TrainerState));

    /// <summary>Reads a state file.</summary>
    /// <exception cref="InvalidDataException">Not a valid state file; the message names it.</exception>
    public static TrainerState Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), s_json.TrainerState)
                ?? throw new InvalidDataException($"{path}: empty trainer state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid trainer state ({e.Message})", e);
        }
    }
}
