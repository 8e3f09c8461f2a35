using StarChat.Training.Lora;
using StarChat.Training.Optimization;

namespace StarChat.Training.FineTuning;

/// <summary>Numeric precision of a training run.</summary>
public enum TrainingPrecision
{
    /// <summary>f32 everywhere (the default; float32 PyTorch numbers).</summary>
    Float32,

    /// <summary>f64 everywhere: about 2× slower, for checking against float64 references.</summary>
    Float64,
}

/// <summary>
/// Options of <c>starchat finetune</c>. Defaults follow the StarChat recipe (<c>config.yaml</c>): lr 2e-5, 3 epochs,
/// batch 4 with 8 accumulation steps, cosine schedule with 3 % warmup, no weight decay, seed 42; gradient clipping at
/// 1.0 as Hugging Face's Trainer does by default; LoRA r 8, alpha 16, dropout 0.05 on c_attn, c_proj, c_fc.
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>The base model (folder or file).</summary>
    public required string ModelPath { get; init; }

    /// <summary>A prepared dataset folder (<c>starchat data prepare</c>).</summary>
    public required string DataFolder { get; init; }

    /// <summary>Where the adapter, checkpoints, state and loss curve go.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>LoRA settings; null trains no LoRA (then <see cref="FullTensors"/> must name something).</summary>
    public LoraSettings? Lora { get; init; } = new();

    /// <summary>Base-model tensors (Hugging Face names) trained in full, e.g. <c>transformer.ln_f.weight</c>.</summary>
    public IReadOnlyList<string> FullTensors { get; init; } = [];

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>Passes over the training split.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Sequences per micro-batch (<c>per_device_train_batch_size</c>).</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Micro-batches per optimizer step (<c>gradient_accumulation_steps</c>).</summary>
    public int GradientAccumulation { get; init; } = 8;

    /// <summary>Share of the steps spent warming up linearly.</summary>
    public double WarmupRatio { get; init; } = 0.03;

    /// <summary>The schedule after warmup.</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Cosine;

    /// <summary>Clip the global gradient norm to this; 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>AdamW weight decay (not applied to biases and LayerNorm tensors).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Seed for the LoRA initialisation, the data order and dropout.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Save a checkpoint every this many optimizer steps (and always at the end of each epoch); 0: epoch ends only.</summary>
    public int SaveSteps { get; init; } = 500;

    /// <summary>Stop after this many optimizer steps (the schedule is planned for them); null: all epochs.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>A checkpoint folder to resume from.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Threads; 0 uses every processor.</summary>
    public int Threads { get; init; }

    /// <summary>f32 or f64.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    /// <summary>Checks the numbers.</summary>
    /// <exception cref="ArgumentException">A value is out of range, or nothing would be trained.</exception>
    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentException($"--lr must be a positive number (got {LearningRate})");
        if (Epochs < 1)
            throw new ArgumentException($"--epochs must be at least 1 (got {Epochs})");
        if (BatchSize < 1)
            throw new ArgumentException($"--batch must be at least 1 (got {BatchSize})");
        if (GradientAccumulation < 1)
            throw new ArgumentException($"--grad-accum must be at least 1 (got {GradientAccumulation})");
        if (!(WarmupRatio >= 0 && WarmupRatio <= 1))
            throw new ArgumentException($"--warmup-ratio must be in [0, 1] (got {WarmupRatio})");
        if (!(MaxGradNorm >= 0) || !double.IsFinite(MaxGradNorm))
            throw new ArgumentException($"--max-grad-norm must be 0 (off) or positive (got {MaxGradNorm})");
        if (!(WeightDecay >= 0))
            throw new ArgumentException($"--weight-decay must be non-negative (got {WeightDecay})");
        if (SaveSteps < 0)
            throw new ArgumentException($"--save-steps must be 0 or positive (got {SaveSteps})");
        if (MaxSteps is < 1)
            throw new ArgumentException($"--max-steps must be at least 1 (got {MaxSteps})");
        if (Threads < 0)
            throw new ArgumentException($"--threads must be 0 (all) or positive (got {Threads})");
        Lora?.Validate();
        if (Lora is null && FullTensors.Count == 0)
            throw new ArgumentException("nothing to train: enable LoRA or name tensors to fine-tune in full");
    }
}
