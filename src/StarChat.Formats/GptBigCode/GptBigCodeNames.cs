namespace StarChat.Formats.GptBigCode;

/// <summary>
/// Tensor names of GPTBigCode in the three namings (formats.md §3): Hugging Face (canonical, what the engine asks
/// for), GGUF (llama.cpp's <c>starcoder</c> architecture) and legacy GGML (ggml's starcoder example).
/// </summary>
public static class GptBigCodeNames
{
    /// <summary><c>transformer.wte.weight</c>.</summary>
    public const string TokenEmbedding = "transformer.wte.weight";
    /// <summary><c>transformer.wpe.weight</c>.</summary>
    public const string PositionEmbedding = "transformer.wpe.weight";
    /// <summary><c>transformer.ln_f.weight</c>.</summary>
    public const string FinalNormWeight = "transformer.ln_f.weight";
    /// <summary><c>transformer.ln_f.bias</c>.</summary>
    public const string FinalNormBias = "transformer.ln_f.bias";
    /// <summary><c>lm_head.weight</c> (absent when tied to the token embedding).</summary>
    public const string OutputHead = "lm_head.weight";

    /// <summary>The per-layer module names, in the order of the HF state dict.</summary>
    public static IReadOnlyList<string> LayerModules { get; } = ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"];

    private static readonly (string Hf, string Gguf, string Ggml)[] s_global =
    [
        (TokenEmbedding, "token_embd.weight", "model/wte"),
        (PositionEmbedding, "position_embd.weight", "model/wpe"),
        (FinalNormWeight, "output_norm.weight", "model/ln_f/g"),
        (FinalNormBias, "output_norm.bias", "model/ln_f/b"),
        (OutputHead, "output.weight", "model/lm_head"),
    ];

    // (HF module, GGUF module, GGML module, GGML weight suffix)
    private static readonly (string Hf, string Gguf, string Ggml, string GgmlWeight)[] s_layer =
    [
        ("ln_1", "attn_norm", "ln_1", "g"),
        ("attn.c_attn", "attn_qkv", "attn/c_attn", "w"),
        ("attn.c_proj", "attn_output", "attn/c_proj", "w"),
        ("ln_2", "ffn_norm", "ln_2", "g"),
        ("mlp.c_fc", "ffn_up", "mlp/c_fc", "w"),
        ("mlp.c_proj", "ffn_down", "mlp/c_proj", "w"),
    ];

    /// <summary>The HF name of layer <paramref name="layer"/>'s <paramref name="module"/> parameter (<c>weight</c> or <c>bias</c>).</summary>
    public static string Layer(int layer, string module, string parameter) => $"transformer.h.{layer}.{module}.{parameter}";

    /// <summary>HF name for a GGUF tensor name, or null when it is not a GPTBigCode tensor.</summary>
    public static string? FromGguf(string name)
    {
        foreach (var g in s_global)
            if (g.Gguf == name) return g.Hf;
        if (!TrySplitLayer(name, "blk.", '.', out int layer, out string rest))
            return null;
        foreach (var m in s_layer)
        {
            if (rest == m.Gguf + ".weight") return Layer(layer, m.Hf, "weight");
            if (rest == m.Gguf + ".bias") return Layer(layer, m.Hf, "bias");
        }
        return null;
    }

    /// <summary>GGUF name for an HF name, or null when it has none.</summary>
    public static string? ToGguf(string name)
    {
        foreach (var g in s_global)
            if (g.Hf == name) return g.Gguf;
        if (!TrySplitLayer(name, "transformer.h.", '.', out int layer, out string rest))
            return null;
        foreach (var m in s_layer)
        {
            if (rest == m.Hf + ".weight") return $"blk.{layer}.{m.Gguf}.weight";
            if (rest == m.Hf + ".bias") return $"blk.{layer}.{m.Gguf}.bias";
        }
        return null;
    }

    /// <summary>HF name for a legacy GGML tensor name, or null when it is not a GPTBigCode tensor.</summary>
    public static string? FromGgml(string name)
    {
        foreach (var g in s_global)
            if (g.Ggml == name) return g.Hf;
        if (!TrySplitLayer(name, "model/h", '/', out int layer, out string rest))
            return null;
        foreach (var m in s_layer)
        {
            if (rest == $"{m.Ggml}/{m.GgmlWeight}") return Layer(layer, m.Hf, "weight");
            if (rest == $"{m.Ggml}/b") return Layer(layer, m.Hf, "bias");
        }
        return null;
    }

    /// <summary>Legacy GGML name for an HF name, or null when it has none.</summary>
    public static string? ToGgml(string name)
    {
        foreach (var g in s_global)
            if (g.Hf == name) return g.Ggml;
        if (!TrySplitLayer(name, "transformer.h.", '.', out int layer, out string rest))
            return null;
        foreach (var m in s_layer)
        {
            if (rest == m.Hf + ".weight") return $"model/h{layer}/{m.Ggml}/{m.GgmlWeight}";
            if (rest == m.Hf + ".bias") return $"model/h{layer}/{m.Ggml}/b";
        }
        return null;
    }

    /// <summary>The layer index of a canonical per-layer name (<c>transformer.h.N.…</c>), or -1.</summary>
    public static int LayerIndex(string name)
        => TrySplitLayer(name, "transformer.h.", '.', out int layer, out _) ? layer : -1;

    private static bool TrySplitLayer(string name, string prefix, char separator, out int layer, out string rest)
    {
        layer = -1;
        rest = "";
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
            return false;
        int end = name.IndexOf(separator, prefix.Length);
        if (end <= prefix.Length || end - prefix.Length > 6)
            return false;
        var digits = name.AsSpan(prefix.Length, end - prefix.Length);
        foreach (char c in digits)
            if (c is < '0' or > '9') return false;
        if (digits.Length > 1 && digits[0] == '0')
            return false;
        layer = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
        rest = name[(end + 1)..];
        return true;
    }
}
