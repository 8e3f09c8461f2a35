using System.Buffers.Binary;
using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Training.Tests.Fixtures;

/// <summary>
/// <c>shared/fixtures/training/</c>: the PyTorch float64 reference of LoRA fine-tuning tiny-starchat on 4 OASST
/// dialogues (README-hf.md §5): data rows, loss, every LoRA gradient, weights after 1 and 20 AdamW steps.
/// </summary>
internal sealed class TrainingFixture
{
    private static readonly Lazy<TrainingFixture> s_instance = new(() => new TrainingFixture());

    private TrainingFixture()
    {
        Json = JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("training", "training.json"))).RootElement;
        Rows = [.. Json.GetProperty("data").GetProperty("rows").EnumerateArray().Select(r => new Row(
            r.GetProperty("length").GetInt32(),
            r.GetProperty("untruncated_length").GetInt32(),
            [.. r.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32())],
            [.. r.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32())]))];
        Layout = [.. Json.GetProperty("lora").GetProperty("raw_layout").GetProperty("tensors").EnumerateArray().Select(t => new Tensor(
            t.GetProperty("name").GetString()!,
            [.. t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())],
            t.GetProperty("offset").GetInt32(),
            t.GetProperty("count").GetInt32()))];
    }

    public static TrainingFixture Instance => s_instance.Value;

    public JsonElement Json { get; }

    public IReadOnlyList<Row> Rows { get; }

    public IReadOnlyList<Tensor> Layout { get; }

    public JsonElement Case(string name) => Json.GetProperty("lora_cases").GetProperty(name);

    /// <summary>The rows without their right padding (what a ragged batch holds).</summary>
    public IReadOnlyList<(IReadOnlyList<int> InputIds, IReadOnlyList<int> Labels)> Sequences
        => [.. Rows.Select(r => ((IReadOnlyList<int>)r.InputIds[..r.Length], (IReadOnlyList<int>)r.Labels[..r.Length]))];

    /// <summary>A raw float64 file: the 16 LoRA tensors concatenated, by PEFT name.</summary>
    public Dictionary<string, double[]> Raw(string file)
    {
        var bytes = File.ReadAllBytes(SharedPaths.Fixtures("training", file));
        var result = new Dictionary<string, double[]>();
        foreach (var t in Layout)
        {
            var values = new double[t.Count];
            for (int i = 0; i < t.Count; i++)
                values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan((t.Offset + i) * 8));
            result[t.Name] = values;
        }
        return result;
    }

    public sealed record Row(int Length, int UntruncatedLength, int[] InputIds, int[] Labels);

    public sealed record Tensor(string Name, int[] Shape, int Offset, int Count);
}
