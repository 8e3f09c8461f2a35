namespace StarChat.Training.Lora;

/// <summary>
/// A LoRA configuration as PEFT's <c>LoraConfig</c> names it. Defaults follow the StarChat/StarCoder fine-tuning
/// recipes: r 8, alpha 16, dropout 0.05 on every linear layer of the blocks.
/// </summary>
public sealed record LoraSettings
{
    /// <summary><c>r</c>: the rank of each update.</summary>
    public int Rank { get; init; } = 8;

    /// <summary><c>lora_alpha</c>: the update is scaled by alpha / r.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary><c>lora_dropout</c>: dropout on the branch input while training.</summary>
    public double Dropout { get; init; } = 0.05;

    /// <summary>
    /// <c>target_modules</c>: names matched against each module's dotted path as PEFT does (equal, or a suffix after a
    /// dot): <c>c_proj</c> selects both <c>attn.c_proj</c> and <c>mlp.c_proj</c>.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["c_attn", "c_proj", "c_fc"];

    /// <summary>alpha / r.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Checks the numbers.</summary>
    /// <exception cref="ArgumentException">r is not positive, alpha is not finite, dropout is outside [0, 1), or no target is given.</exception>
    public void Validate()
    {
        if (Rank <= 0)
            throw new ArgumentException($"LoRA rank r must be positive (got {Rank})");
        if (!double.IsFinite(Alpha))
            throw new ArgumentException($"lora_alpha must be a finite number (got {Alpha})");
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentException($"lora_dropout must be in [0, 1) (got {Dropout})");
        if (TargetModules.Count == 0 || TargetModules.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("LoRA needs at least one target module name (e.g. c_attn,c_proj,c_fc)");
    }
}
