namespace StarChat.Formats.Quantized;

/// <summary>
/// Turns the quantized linear layers of a Hugging Face checkpoint into tensors the engine multiplies, under the
/// canonical <c>….weight</c> names: bitsandbytes int8 (found by its <c>.SCB</c> tensors) and GPTQ (found by
/// <c>.qweight</c>; settings from <c>quantize_config.json</c> or <c>config.json</c>). The stored tensors stay in
/// <see cref="LoadedModel.FileTensors"/>; the conversions run on first use of each weight.
/// </summary>
internal static class QuantizedLinears
{
    /// <summary>Applies whichever scheme the tensors show; returns a description for the model's notes, or null.</summary>
    /// <exception cref="ModelFormatException">The quantized tensors or their settings are inconsistent or unsupported.</exception>
    public static string? Apply(string origin, string folder, ModelWeights weights)
    {
        if (BitsAndBytesInt8.Applies(weights))
        {
            int n = BitsAndBytesInt8.Apply(origin, weights);
            return $"bitsandbytes int8: {n} linear weights kept as int8 with per-row scales (q8_scb)";
        }
        if (GptqLinear.Applies(weights))
        {
            var config = GptqConfig.Read(folder);
            var (packed, widened) = GptqLinear.Apply(origin, config, weights);
            return $"GPTQ {config.Bits}-bit, group size {config.GroupSize}{(config.DescAct ? ", act-order" : "")}: "
                + $"{packed} linear weights kept packed (q4_gptq, 0.66 bytes per weight), {widened} dequantized to f32 (exact; 4 bytes per weight)";
        }
        return null;
    }
}
