using StarChat.Testing;

namespace StarChat.Cli.Tests;

public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("starchat-cli-convert-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ConvertThenQuantize_TinyStarchat_WritesFilesThatLoadAndReportsTheFallback()
    {
        string f16 = Path.Combine(_folder, "tiny.f16.gguf");
        var convert = CliRunner.Run("convert", SharedPaths.Fixtures("tiny-starchat"), "--out", f16, "--type", "f16", "--threads", "2");
        Assert.True(convert.ExitCode == 0, convert.Err);
        Assert.Contains("f16 ×9", convert.Out, StringComparison.Ordinal);

        string q4 = Path.Combine(_folder, "tiny.q4_k.gguf");
        var quantize = CliRunner.Run("quantize", f16, q4, "q4_k", "--threads", "2");
        Assert.True(quantize.ExitCode == 0, quantize.Err);
        // 64-wide rows cannot take 256-blocks: llama.cpp's fallbacks, reported.
        Assert.Contains("fallback: blk.0.attn_qkv.weight", quantize.Out, StringComparison.Ordinal);

        var info = CliRunner.Run("info", q4);
        Assert.True(info.ExitCode == 0, info.Err);
        Assert.Contains("starcoder", info.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantize_UnknownType_FailsWithExitCode2AndNamesIt()
    {
        var r = CliRunner.Run("quantize", SharedPaths.Fixtures("gguf", "tiny-starchat.f16.gguf"), Path.Combine(_folder, "x.gguf"), "q7_0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("q7_0", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "x.gguf")));
    }
}
