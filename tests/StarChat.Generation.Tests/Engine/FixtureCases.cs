using System.Runtime.InteropServices;
using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Generation.Tests.Engine;

/// <summary>The cases of <c>shared/fixtures/expected.json</c>: reference logits by producer, model file and prompt.</summary>
internal static class FixtureCases
{
    public sealed record Position(int Pos, int[] Top5Ids, double[] Top5Values, double LogSumExp);

    public sealed record Case(
        int Index, string Model, string Producer, string Prompt, int[] Ids, Position[] PerPosition,
        string? LogitsFile, int[] LogitsFilePositions, int[] GreedyIds, double[] GreedyMargins);

    private static readonly Lazy<Case[]> s_cases = new(Load);

    public static IReadOnlyList<Case> All => s_cases.Value;

    public static IEnumerable<Case> Shipped(string producer)
        => All.Where(c => c.Producer == producer && !c.Model.Contains("not shipped", StringComparison.Ordinal));

    /// <summary>Logits rows from a raw little-endian float32 file <c>[positions × vocab]</c>.</summary>
    public static float[] ReadLogits(string relative) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures(relative.Split('/')))).ToArray();

    private static Case[] Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json")));
        var list = new List<Case>();
        int index = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var greedy = c.GetProperty("greedy");
            list.Add(new Case(
                index++,
                c.GetProperty("model").GetString()!,
                c.GetProperty("producer").GetString()!,
                c.GetProperty("prompt").GetString()!,
                Ints(c.GetProperty("ids")),
                [.. c.GetProperty("per_position").EnumerateArray().Select(p => new Position(
                    p.GetProperty("pos").GetInt32(), Ints(p.GetProperty("top5_ids")),
                    [.. p.GetProperty("top5_values").EnumerateArray().Select(v => v.GetDouble())],
                    p.GetProperty("logsumexp").GetDouble()))],
                c.GetProperty("logits_file").ValueKind == JsonValueKind.String ? c.GetProperty("logits_file").GetString() : null,
                Ints(c.GetProperty("logits_file_positions")),
                Ints(greedy.GetProperty("ids")),
                [.. greedy.GetProperty("margins").EnumerateArray().Select(v => v.GetDouble())]));
        }
        return [.. list];
    }

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
