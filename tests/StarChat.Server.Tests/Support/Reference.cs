using System.Runtime.InteropServices;
using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Server.Tests.Support;

/// <summary>
/// Independent reference numbers for the tiny model from <c>shared/fixtures/expected.json</c>: prompt ids from
/// llama.cpp's tokenizer, and greedy continuations and logits from the float64 numpy implementation.
/// </summary>
internal static class Reference
{
    private static readonly Lazy<JsonDocument> s_expected = new(() => JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json"))));

    /// <summary>The prompt's exact text (special tokens written out) and its reference ids.</summary>
    public static (string Text, int[] Ids) Prompt(string name)
    {
        var p = s_expected.Value.RootElement.GetProperty("prompts").GetProperty(name);
        return (File.ReadAllText(SharedPaths.Fixtures(p.GetProperty("file").GetString()!.Split('/'))), Ints(p.GetProperty("ids")));
    }

    /// <summary>The numpy reference's 32 greedy ids after <paramref name="prompt"/> on <c>tiny-starchat</c> (no stop tokens).</summary>
    public static int[] Greedy(string prompt)
    {
        foreach (var c in s_expected.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (c.GetProperty("model").GetString() == "tiny-starchat" && c.GetProperty("producer").GetString() == "numpy" && c.GetProperty("prompt").GetString() == prompt)
                return Ints(c.GetProperty("greedy").GetProperty("ids"));
        }
        throw new InvalidOperationException($"no numpy case for tiny-starchat / {prompt}");
    }

    /// <summary>The numpy logits of every position of <paramref name="prompt"/> (<c>[positions, vocab]</c>).</summary>
    public static float[] Logits(string prompt)
        => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures("logits", $"tiny-starchat.{prompt}.f32"))).ToArray();

    /// <summary>log softmax of one logits row at <paramref name="id"/>, in double.</summary>
    public static double LogSoftmax(ReadOnlySpan<float> row, int id)
    {
        double max = double.NegativeInfinity;
        foreach (float l in row) max = Math.Max(max, l);
        double sum = 0;
        foreach (float l in row) sum += Math.Exp(l - max);
        return row[id] - max - Math.Log(sum);
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
