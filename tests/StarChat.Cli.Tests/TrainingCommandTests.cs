using System.Text.Json;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

/// <summary><c>starchat data prepare</c> and <c>starchat finetune</c> in-process, on the tiny fixture model.</summary>
public sealed class TrainingCommandTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "starchat-cli-train-" + Guid.NewGuid().ToString("N")[..10]);

    public TrainingCommandTests() => Directory.CreateDirectory(_temp);

    private static string Model => SharedPaths.Fixtures("tiny-starchat");

    public void Dispose()
    {
        try { Directory.Delete(_temp, recursive: true); } catch (IOException) { }
    }

    private string Input(int dialogues)
    {
        string path = Path.Combine(_temp, "dialogues.jsonl");
        File.WriteAllLines(path, File.ReadLines(SharedPaths.Data("oasst", "en_100_messages.derived.jsonl")).Take(dialogues));
        return path;
    }

    [Fact]
    public void DataPrepare_Json_PrintsStatisticsAndWritesTheSplits()
    {
        string output = Path.Combine(_temp, "data");
        var r = CliRunner.Run("data", "prepare", "--model", Model, "--input", Input(10), "--block-size", "256", "--test-split", "0.2", "--out", output, "--json");

        Assert.Equal(0, r.ExitCode);
        using var stats = JsonDocument.Parse(r.Out);
        Assert.Equal(10, stats.RootElement.GetProperty("dialogues").GetInt32());
        Assert.Equal(8, stats.RootElement.GetProperty("train_examples").GetInt32());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output, "test.jsonl")).Length);
        Assert.Equal(8, File.ReadAllLines(Path.Combine(output, "trl", "train.jsonl")).Length);
    }

    [Fact]
    public void DataPrepare_MalformedLine_ExitsWithBadInputNamingTheLine()
    {
        string input = Path.Combine(_temp, "bad.jsonl");
        File.WriteAllLines(input, ["""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}""", "{oops"]);

        var r = CliRunner.Run("data", "prepare", "--model", Model, "--input", input, "--out", Path.Combine(_temp, "data"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.jsonl:2: not valid JSON", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Finetune_TwoSteps_PrintsProgressAndWritesThePeftAdapter()
    {
        string data = Path.Combine(_temp, "data"), output = Path.Combine(_temp, "out");
        Assert.Equal(0, CliRunner.Run("data", "prepare", "--model", Model, "--input", Input(6), "--block-size", "64", "--test-split", "0", "--out", data).ExitCode);

        var r = CliRunner.Run("finetune", "--model", Model, "--data", data, "--out", output, "--lr", "1e-3", "--grad-accum", "1", "--max-steps", "2", "--threads", "2");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("step 2  epoch 1.00  loss ", r.Out, StringComparison.Ordinal);
        Assert.Contains("tokens/s", r.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(output, "loss.svg")));
    }

    [Fact]
    public void Finetune_UnknownTarget_ExitsWithBadInput()
    {
        string data = Path.Combine(_temp, "data");
        Assert.Equal(0, CliRunner.Run("data", "prepare", "--model", Model, "--input", Input(3), "--block-size", "64", "--test-split", "0", "--out", data).ExitCode);

        var r = CliRunner.Run("finetune", "--model", Model, "--data", data, "--out", Path.Combine(_temp, "out"), "--target", "c_attn,q_attn");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'q_attn'", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Finetune_DivergingLearningRate_ExitsWithFailureAndAHint()
    {
        string data = Path.Combine(_temp, "data");
        Assert.Equal(0, CliRunner.Run("data", "prepare", "--model", Model, "--input", Input(8), "--block-size", "64", "--test-split", "0", "--out", data).ExitCode);

        var r = CliRunner.Run("finetune", "--model", Model, "--data", data, "--out", Path.Combine(_temp, "out"), "--lr", "1e30",
            "--grad-accum", "1", "--warmup-ratio", "0", "--max-steps", "2", "--threads", "2");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("training diverged at step 2", r.Err, StringComparison.Ordinal);
        Assert.Contains("hint: lower --lr", r.Err, StringComparison.Ordinal);
    }
}
