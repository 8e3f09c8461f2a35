namespace StarChat.Formats.Peft;

/// <summary>
/// Tensor names in <c>adapter_model.safetensors</c> as PEFT saves them: the wrapped model's path under
/// <c>base_model.model.</c>, with the adapter name (<c>default</c>) removed. <see cref="LoraAdapter"/> reads them,
/// StarChat.Training writes them.
/// </summary>
public static class PeftKeys
{
    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before the base model's module paths.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary><c>base_model.model.{module}.lora_A.weight</c> (<c>[r, in]</c>).</summary>
    public static string LoraA(string modulePath) => $"{Prefix}{modulePath}.lora_A.weight";

    /// <summary><c>base_model.model.{module}.lora_B.weight</c> (<c>[out, r]</c>).</summary>
    public static string LoraB(string modulePath) => $"{Prefix}{modulePath}.lora_B.weight";
}
