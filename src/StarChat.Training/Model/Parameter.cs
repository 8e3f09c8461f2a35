using System.Numerics;

namespace StarChat.Training.Model;

/// <summary>
/// One named tensor of a model being trained: its values and, when trainable, its gradient (same shape). Names are
/// the Hugging Face names of the base model (<c>transformer.h.0.ln_1.weight</c>) or, for LoRA, the keys PEFT saves
/// (<c>base_model.model.transformer.h.0.attn.c_attn.lora_A.weight</c>).
/// </summary>
/// <typeparam name="T"><see cref="float"/> for training, <see cref="double"/> for reference checks.</typeparam>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal Parameter(string name, int[] shape, T[] value)
    {
        long count = 1;
        foreach (int d in shape)
            count *= d;
        if (count != value.Length)
            throw new ArgumentException($"parameter '{name}': shape [{string.Join(", ", shape)}] holds {count} values, got {value.Length}", nameof(value));
        Name = name;
        Shape = shape;
        Value = value;
    }

    /// <summary>The tensor's name (Hugging Face or PEFT key).</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first (PyTorch order: a linear weight is <c>[out, in]</c>).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The values, row-major.</summary>
    public T[] Value { get; }

    /// <summary>The accumulated gradient, or null while the parameter is frozen.</summary>
    public T[]? Gradient { get; private set; }

    /// <summary>True when the backward pass accumulates a gradient for this parameter.</summary>
    public bool IsTrainable => Gradient is not null;

    /// <summary>
    /// True for biases and LayerNorm parameters, which Hugging Face's Trainer leaves out of weight decay (its
    /// <c>get_decay_parameter_names</c>); LoRA matrices and linear weights are decayed.
    /// </summary>
    public bool SkipsWeightDecay => Name.EndsWith(".bias", StringComparison.Ordinal) || Name.Contains(".ln_", StringComparison.Ordinal);

    /// <summary>Makes the parameter trainable (a zero gradient) or frozen (no gradient).</summary>
    public void SetTrainable(bool trainable) => Gradient = trainable ? Gradient ?? new T[Value.Length] : null;

    /// <summary>Sets the gradient to zero, before accumulating a new one.</summary>
    public void ZeroGradient() => Gradient?.AsSpan().Clear();

    /// <summary>Name and shape, as <c>name [a, b]</c>.</summary>
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}
