using System.Runtime.InteropServices;
using System.Text.Json;
namespace StarChat.Testing;

/// <summary>
/// The cases of <c>shared/fixtures/expected-hf.json</c> (README-hf.md §1): logits of the Hugging Face-format
/// checkpoints (bitsandbytes 8-bit, GPTQ, PEFT LoRA) from an independent float64 re-implementation.
/// </summary>
public static class HfFixtureCases
{
    /// <summary>One case: a model (and adapter), a prompt, the reference logits file and greedy ids.</summary>
    public sealed record Case(
        string Name, string Model, string? Adapter, string Prompt, int[] Ids, string LogitsFile, int[] Positions,
        int[] Top5LastIds, int[] GreedyIds, double[] GreedyMargins);

    private static readonly Lazy<Case[]> s_cases = new(Load);

    /// <summary>Every case in the file.</summary>
    public static IReadOnlyList<Case> All => s_cases.Value;

    /// <summary>The case called <paramref name="name"/> (e.g. <c>tiny-starchat-lora/code</c>).</summary>
    public static Case Get(string name) => All.Single(c => c.Name == name);

    /// <summary>Logits rows <c>[positions × vocab]</c> from the raw little-endian float32 file.</summary>
    public static float[] ReadLogits(Case c) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures(c.LogitsFile.Split('/')))).ToArray();

    private static Case[] Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected-hf.json")));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("case").GetString()!,
            c.GetProperty("model").GetString()!,
            c.GetProperty("adapter").ValueKind == JsonValueKind.String ? c.GetProperty("adapter").GetString() : null,
            c.GetProperty("prompt").GetString()!,
            Ints(c.GetProperty("ids")),
            c.GetProperty("logits_file").GetString()!,
            Ints(c.GetProperty("positions")),
            Ints(c.GetProperty("top5_last").GetProperty("ids")),
            Ints(c.GetProperty("greedy_ids")),
            [.. c.GetProperty("greedy_top1_top2_margin").EnumerateArray().Select(v => v.GetDouble())]))];
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
