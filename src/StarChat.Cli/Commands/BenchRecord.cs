using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StarChat.Cli.Commands;

/// <summary>
/// One test of <c>starchat bench -o json</c>, under llama-bench's own field names (snake case) so scripts compare the
/// two tools directly: <c>samples_ns</c> are whole-run times, <c>avg_ns</c>/<c>stddev_ns</c> their mean and sample
/// deviation, <c>avg_ts</c>/<c>stddev_ts</c> the same over each run's tokens/s.
/// </summary>
internal sealed record BenchRecord(
    string BuildCommit,
    string CpuInfo,
    string Backends,
    string ModelFilename,
    string ModelType,
    long ModelSize,
    long ModelNParams,
    int NThreads,
    int NPrompt,
    int NGen,
    string KernelPath,
    long AvgNs,
    long StddevNs,
    double AvgTs,
    double StddevTs,
    long[] SamplesNs,
    double[] SamplesTs)
{
    /// <summary>Indented JSON of the records, written by source-generated code: reflection-based serialization costs a fresh process ~80 ms of JIT.</summary>
    public static string Serialize(BenchRecord[] records) => JsonSerializer.Serialize(records, BenchJson.Relaxed.BenchRecordArray);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BenchRecord[]))]
internal sealed partial class BenchJson : JsonSerializerContext
{
    /// <summary>As <see cref="CliJson"/> writes: non-ASCII characters of a file name kept as they are.</summary>
    public static BenchJson Relaxed { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    });
}
