using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

public class BenchCommandTests
{
    private static readonly string Model = SharedPaths.Fixtures("gguf", "tiny-starchat.q4_0.gguf");

    [Fact]
    public void Bench_Json_OneRecordPerTestUnderLlamaBenchFieldNames()
    {
        var result = CliRunner.Run("bench", "--model", Model, "-p", "4", "-n", "2", "-r", "3", "-t", "1", "-o", "json");
        Assert.True(result.ExitCode == 0, result.Err);
        using var doc = JsonDocument.Parse(result.Out);
        var records = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, records.Count);
        Assert.Equal((4, 0), (records[0].GetProperty("n_prompt").GetInt32(), records[0].GetProperty("n_gen").GetInt32()));
        Assert.Equal((0, 2), (records[1].GetProperty("n_prompt").GetInt32(), records[1].GetProperty("n_gen").GetInt32()));
        foreach (var r in records)
        {
            Assert.Equal(1, r.GetProperty("n_threads").GetInt32());
            Assert.Equal(new FileInfo(Model).Length, r.GetProperty("model_size").GetInt64());
            Assert.True(r.GetProperty("model_n_params").GetInt64() > 0);
            Assert.Contains("Q4_0", r.GetProperty("model_type").GetString(), StringComparison.Ordinal);
            Assert.Equal(Model, r.GetProperty("model_filename").GetString());
            int tokens = r.GetProperty("n_prompt").GetInt32() + r.GetProperty("n_gen").GetInt32();
            double[] ts = [.. r.GetProperty("samples_ts").EnumerateArray().Select(e => e.GetDouble())];
            long[] ns = [.. r.GetProperty("samples_ns").EnumerateArray().Select(e => e.GetInt64())];
            Assert.Equal(3, ts.Length);
            Assert.Equal(3, ns.Length);
            Assert.All(ts, t => Assert.True(t > 0));
            // llama-bench's definitions: ns is the whole run, ts = tokens / run time, avg/stddev over the samples.
            for (int i = 0; i < 3; i++)
                Assert.InRange(ns[i], 1e9 * tokens / ts[i] - 1, 1e9 * tokens / ts[i] + 1);
            Assert.Equal(ts.Average(), r.GetProperty("avg_ts").GetDouble(), 1e-9);
            double mean = ts.Average();
            double sd = Math.Sqrt(ts.Sum(t => (t - mean) * (t - mean)) / (ts.Length - 1));
            Assert.Equal(sd, r.GetProperty("stddev_ts").GetDouble(), 1e-9);
            Assert.InRange(r.GetProperty("avg_ns").GetInt64(), (long)ns.Average() - 1, (long)ns.Average() + 1);
            double meanNs = ns.Average();
            double sdNs = Math.Sqrt(ns.Sum(t => (t - meanNs) * (t - meanNs)) / (ns.Length - 1));
            Assert.InRange(r.GetProperty("stddev_ns").GetInt64(), (long)sdNs - 1, (long)sdNs + 1);
            Assert.Equal("CPU", r.GetProperty("backends").GetString());
            Assert.Equal(
                ["build_commit", "cpu_info", "backends", "model_filename", "model_type", "model_size", "model_n_params", "n_threads",
                    "n_prompt", "n_gen", "kernel_path", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts"],
                r.EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public void Bench_Bandwidth_PrintsTheCeilingAndTheShareOfIt_JsonStaysLlamaBenchs()
    {
        var table = CliRunner.Run("bench", "--model", Model, "-p", "0", "-n", "2", "-r", "1", "-t", "1", "--bandwidth");
        Assert.True(table.ExitCode == 0, table.Err);
        Assert.Matches(@"memory: [0-9.]+ GB/s reading the [0-9.]+ GB of weights a generated token reads with 1 thread, so at most [0-9.]+ t/s; tg2 ran at [0-9]+ % of that", table.Out);

        var json = CliRunner.Run("bench", "--model", Model, "-p", "0", "-n", "2", "-r", "1", "-t", "2", "-o", "json", "--bandwidth");
        Assert.True(json.ExitCode == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Contains("with 2 threads, so at most", json.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_Table_ShowsBothTestsAndTheModel()
    {
        var result = CliRunner.Run("bench", "--model", Model, "-p", "3", "-n", "2", "-r", "1", "-t", "1");
        Assert.True(result.ExitCode == 0, result.Err);
        Assert.Contains("pp3", result.Out, StringComparison.Ordinal);
        Assert.Contains("tg2", result.Out, StringComparison.Ordinal);
        Assert.Contains("Q4_0", result.Out, StringComparison.Ordinal);
        Assert.Contains("t/s", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_NoModelAndNoSynthetic_FailsWithAMessage()
    {
        var result = CliRunner.Run("bench", "-p", "1", "-n", "0");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--model", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_MissingModelFile_NamesThePath()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-model-{Guid.NewGuid():N}.gguf");
        var result = CliRunner.Run("bench", "--model", missing, "-p", "1", "-n", "0");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(missing, result.Err, StringComparison.Ordinal);
    }
}
