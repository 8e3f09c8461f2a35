using System.Numerics;
using StarChat.Formats.Peft;
using StarChat.Training.Model;

namespace StarChat.Training.Lora;

/// <summary>Adds LoRA branches to a model's linear layers and makes exactly their matrices trainable.</summary>
public static class LoraAttachment
{
    /// <summary>
    /// Attaches a fresh branch to every selected layer, initialised as PEFT does by default: A uniform in
    /// ±1/√in (<c>kaiming_uniform_(a=√5)</c>), B zero, so the model's outputs are unchanged until the first step.
    /// Attach before the model's first pass.
    /// </summary>
    /// <param name="model">The parameters.</param>
    /// <param name="settings">Rank, alpha, dropout and targets.</param>
    /// <param name="seed">Seed for A's values.</param>
    /// <returns>The adapted layers.</returns>
    /// <exception cref="ArgumentException">The settings are invalid or a target matches nothing.</exception>
    /// <exception cref="InvalidOperationException">A selected layer already has a branch.</exception>
    public static IReadOnlyList<LinearLayer<T>> Attach<T>(GptBigCodeParameters<T> model, LoraSettings settings, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        return Attach(model, settings, (layer, name, shape) =>
        {
            var values = new T[shape[0] * shape[1]];
            if (name.Contains(".lora_A.", StringComparison.Ordinal))
            {
                double bound = 1 / Math.Sqrt(layer.InFeatures);
                for (int i = 0; i < values.Length; i++)
                    values[i] = T.CreateChecked((2 * random.NextDouble() - 1) * bound);
            }
            return values;
        });
    }

    /// <summary>Attaches branches whose values come from <paramref name="values"/> (a saved adapter, a reference).</summary>
    /// <param name="model">The parameters.</param>
    /// <param name="settings">Rank, alpha, dropout and targets.</param>
    /// <param name="values">Given the layer, the PEFT key (<c>base_model.model.{module}.lora_A.weight</c>) and the shape, returns the values.</param>
    /// <exception cref="ArgumentException">The settings are invalid, a target matches nothing, or values have the wrong length.</exception>
    /// <exception cref="InvalidOperationException">A selected layer already has a branch.</exception>
    public static IReadOnlyList<LinearLayer<T>> Attach<T>(GptBigCodeParameters<T> model, LoraSettings settings,
        Func<LinearLayer<T>, string, int[], T[]> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(values);
        settings.Validate();
        var layers = LoraTargets.Select(model, settings.TargetModules);
        foreach (var layer in layers)
        {
            if (layer.Lora is not null)
                throw new InvalidOperationException($"{layer.ModulePath} already has a LoRA branch");
            string aName = PeftKeys.LoraA(layer.ModulePath), bName = PeftKeys.LoraB(layer.ModulePath);
            int[] aShape = [settings.Rank, layer.InFeatures], bShape = [layer.OutFeatures, settings.Rank];
            var a = new Parameter<T>(aName, aShape, values(layer, aName, aShape));
            var b = new Parameter<T>(bName, bShape, values(layer, bName, bShape));
            a.SetTrainable(true);
            b.SetTrainable(true);
            layer.Lora = new LoraBranch<T>(a, b, T.CreateChecked(settings.Scaling), settings.Dropout);
        }
        return layers;
    }
}
