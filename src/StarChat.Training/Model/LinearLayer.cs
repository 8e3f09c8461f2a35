using System.Numerics;

namespace StarChat.Training.Model;

/// <summary>
/// A linear layer <c>y = x·Wᵀ + b</c> (PyTorch <c>nn.Linear</c>: W is <c>[out, in]</c>), optionally with a LoRA
/// branch <c>+ s·(dropout(x)·Aᵀ)·Bᵀ</c>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class LinearLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal LinearLayer(string modulePath, Parameter<T> weight, Parameter<T> bias)
    {
        if (weight.Shape.Count != 2 || bias.Shape.Count != 1 || bias.Shape[0] != weight.Shape[0])
            throw new ArgumentException($"{modulePath}: weight {weight} and bias {bias} do not form a linear layer");
        ModulePath = modulePath;
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The module's dotted path in the Hugging Face model, e.g. <c>transformer.h.0.attn.c_attn</c>.</summary>
    public string ModulePath { get; }

    /// <summary><c>{ModulePath}.weight</c> <c>[out, in]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <summary><c>{ModulePath}.bias</c> <c>[out]</c>.</summary>
    public Parameter<T> Bias { get; }

    /// <summary>Input width.</summary>
    public int InFeatures => Weight.Shape[1];

    /// <summary>Output width.</summary>
    public int OutFeatures => Weight.Shape[0];

    /// <summary>The LoRA branch, when one is attached.</summary>
    public LoraBranch<T>? Lora { get; internal set; }
}

/// <summary>
/// A LoRA branch (PEFT <c>LoraLayer</c>, <c>fan_in_fan_out</c> false): <c>A</c> <c>[r, in]</c>, <c>B</c> <c>[out, r]</c>,
/// scale <c>lora_alpha / r</c>, dropout applied to the branch's input while training.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <param name="A"><c>lora_A.weight</c> <c>[r, in]</c>.</param>
/// <param name="B"><c>lora_B.weight</c> <c>[out, r]</c>.</param>
/// <param name="Scaling">lora_alpha / r.</param>
/// <param name="Dropout">Probability of zeroing an input element of the branch while training.</param>
public sealed record LoraBranch<T>(Parameter<T> A, Parameter<T> B, T Scaling, double Dropout)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The rank r.</summary>
    public int Rank => A.Shape[0];
}
