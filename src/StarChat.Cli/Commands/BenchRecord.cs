using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

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
    /// <summary>
    /// Indented JSON of the records, written field by field: the serializer, even source-generated, builds metadata
    /// and converters for every property type at first use, ~40 ms of a fresh process's start-up for one line of output.
    /// </summary>
    public static string Serialize(BenchRecord[] records)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // As CliJson writes: non-ASCII characters of a file name kept as they are.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var record in records)
                record.Write(json);
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void Write(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("build_commit", BuildCommit);
        json.WriteString("cpu_info", CpuInfo);
        json.WriteString("backends", Backends);
        json.WriteString("model_filename", ModelFilename);
        json.WriteString("model_type", ModelType);
        json.WriteNumber("model_size", ModelSize);
        json.WriteNumber("model_n_params", ModelNParams);
        json.WriteNumber("n_threads", NThreads);
        json.WriteNumber("n_prompt", NPrompt);
        json.WriteNumber("n_gen", NGen);
        json.WriteString("kernel_path", KernelPath);
        json.WriteNumber("avg_ns", AvgNs);
        json.WriteNumber("stddev_ns", StddevNs);
        json.WriteNumber("avg_ts", AvgTs);
        json.WriteNumber("stddev_ts", StddevTs);
        json.WriteStartArray("samples_ns");
        foreach (long ns in SamplesNs)
            json.WriteNumberValue(ns);
        json.WriteEndArray();
        json.WriteStartArray("samples_ts");
        foreach (double ts in SamplesTs)
            json.WriteNumberValue(ts);
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
