using System.Runtime.InteropServices;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

/// <summary>
/// <c>--lora</c> on run and logits, and <c>starchat merge</c>, against the tiny-starchat-lora cases of
/// <c>expected-hf.json</c> (README-hf.md §4: logits within 1e-4 merged or not).
/// </summary>
public sealed class LoraCommandTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("starchat-cli-lora-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Model => SharedPaths.Fixtures("tiny-starchat");

    private static string Lora => SharedPaths.Fixtures("tiny-starchat-lora");

    private static void AssertCodeLogits(string file)
    {
        // expected-hf.json, tiny-starchat-lora/code: ids 589 1459 81 7656, all four positions stored.
        var ours = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(file));
        var reference = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures("logits-hf", "tiny-starchat-lora.code.f32")));
        Assert.Equal(reference.Length, ours.Length);
        float worst = 0;
        for (int i = 0; i < ours.Length; i++)
            worst = Math.Max(worst, Math.Abs(ours[i] - reference[i]));
        Assert.True(worst <= 1e-4f, $"max |Δlogit| {worst}");
    }

    [Fact]
    public void Logits_WithLora_MatchUnmergedReference()
    {
        string output = Path.Combine(_temp, "lora.f32");
        var r = CliRunner.Run("logits", "--model", Model, "--lora", Lora, "--ids", "589,1459,81,7656", "--all-positions", "--out", output);
        Assert.True(r.ExitCode == 0, r.Err);
        AssertCodeLogits(output);
    }

    [Fact]
    public void Run_WithLora_StreamsTheAdaptedGreedyContinuation()
    {
        // expected-hf.json, tiny-starchat-lora/code: greedy ids begin 40526 9427 35913; the base model's 35561 35561 27992.
        var r = CliRunner.Run("run", "--model", Model, "--lora", Lora, "--lora-scale", "1", "--prompt", "def print_hello", "--greedy", "-n", "3");
        Assert.True(r.ExitCode == 0, r.Err);
        var tokenizer = StarChat.Generation.Text.ModelTokenizer.Load(Model).Tokenizer;
        Assert.Equal(tokenizer.Decode([40526, 9427, 35913]), r.Out.TrimEnd('\n'));
        var baseRun = CliRunner.Run("run", "--model", Model, "--lora", Lora, "--lora-scale", "0", "--prompt", "def print_hello", "--greedy", "-n", "3");
        Assert.Equal(tokenizer.Decode([35561, 35561, 27992]), baseRun.Out.TrimEnd('\n'));
    }

    [Fact]
    public void Run_NamedLora_RefusedWithAHint()
    {
        var r = CliRunner.Run("run", "--model", Model, "--lora", "fixture=" + Lora, "--prompt", "def", "-n", "1");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("named adapters (NAME=DIR) are for `serve`", r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sql=/adapters/sql", "sql", "/adapters/sql")]
    [InlineData("my.sql-v2=org/sql-lora@main", "my.sql-v2", "org/sql-lora@main")]
    [InlineData("/tmp/a=b", null, "/tmp/a=b")]
    [InlineData("./x=y", null, "./x=y")]
    [InlineData("adapters/sql", null, "adapters/sql")]
    public void Split_NameBeforeEquals_OtherwiseAllPath(string value, string? name, string path)
        => Assert.Equal((name, path), LoraCliOptions.Split(value));

    [Fact]
    public void Merge_WritesAFolderWhoseLogitsMatchTheReference()
    {
        string merged = Path.Combine(_temp, "merged");
        var r = CliRunner.Run("merge", "--model", Model, "--lora", Lora, "--out", merged);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("merged 8 weights", r.Err, StringComparison.Ordinal);
        foreach (var file in new[] { "model.safetensors", "config.json", "tokenizer.json", "generation_config.json" })
            Assert.True(File.Exists(Path.Combine(merged, file)), file);
        string output = Path.Combine(_temp, "merged.f32");
        var logits = CliRunner.Run("logits", "--model", merged, "--ids", "589,1459,81,7656", "--all-positions", "--out", output);
        Assert.True(logits.ExitCode == 0, logits.Err);
        AssertCodeLogits(output);
    }

    [Fact]
    public void Merge_WithoutLora_IsAUsageError()
    {
        var r = CliRunner.Run("merge", "--model", Model, "--out", Path.Combine(_temp, "x"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--lora", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_LoraFolderWithoutConfig_FailsClearly()
    {
        var r = CliRunner.Run("run", "--model", Model, "--lora", _temp, "--prompt", "x", "-n", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("adapter_config.json", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MoreScalesThanAdapters_FailsClearly()
    {
        var r = CliRunner.Run("run", "--model", Model, "--lora", Lora, "--lora-scale", "1", "--lora-scale", "2", "--prompt", "x", "-n", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--lora-scale", r.Err, StringComparison.Ordinal);
    }
}
