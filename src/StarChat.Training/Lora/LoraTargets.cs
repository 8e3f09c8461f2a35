using System.Numerics;
using StarChat.Training.Model;

namespace StarChat.Training.Lora;

/// <summary>PEFT's rule for which modules a <c>target_modules</c> list selects (<c>check_target_module_exists</c>).</summary>
public static class LoraTargets
{
    /// <summary>True when <paramref name="modulePath"/> equals <paramref name="target"/> or ends with <c>"." + target</c>.</summary>
    public static bool Matches(string modulePath, string target)
        => modulePath == target || modulePath.EndsWith("." + target, StringComparison.Ordinal);

    /// <summary>The linear layers the targets select, in model order.</summary>
    /// <exception cref="ArgumentException">A target matches no linear layer; the message lists the names that exist.</exception>
    public static IReadOnlyList<LinearLayer<T>> Select<T>(GptBigCodeParameters<T> model, IReadOnlyList<string> targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.LinearLayers.ToList();
        foreach (var target in targets)
        {
            if (!layers.Any(l => Matches(l.ModulePath, target)))
            {
                var names = layers.Select(l => l.ModulePath[(l.ModulePath.LastIndexOf('.') + 1)..]).Distinct();
                throw new ArgumentException($"LoRA target module '{target}' matches no linear layer of the model; GPTBigCode has {string.Join(", ", names)} "
                    + $"(or a longer suffix such as attn.c_proj, or a full path such as {layers[0].ModulePath})");
            }
        }
        return [.. layers.Where(l => targets.Any(t => Matches(l.ModulePath, t)))];
    }
}
