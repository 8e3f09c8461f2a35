using System.Diagnostics;
using System.Runtime.InteropServices;
using StarChat.Testing;

namespace StarChat.Cli.Tests;

public class GenerationCommandTests
{
    private static string Model => SharedPaths.Fixtures("tiny-starchat");

    [Fact]
    public void Run_GreedyPrompt_StreamsTheReferenceContinuation()
    {
        // fixtures/expected.json, tiny-starchat / hello: greedy ids 35561 35561 27992 ... (numpy reference).
        var r = CliRunner.Run("run", "--model", Model, "--prompt", "def print_hello", "--greedy", "-n", "3");
        Assert.Equal(0, r.ExitCode);
        string expected = StarChat.Generation.Text.ModelTokenizer.Load(Model).Tokenizer.Decode([35561, 35561, 27992]);
        Assert.Equal(expected, r.Out.TrimEnd('\n'));
        Assert.Contains("Length: 4 prompt tokens", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ChatAndPromptTogether_IsRejected()
    {
        var r = CliRunner.Run("run", "--model", Model, "--prompt", "a", "--chat", "b");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("exactly one of --prompt and --chat", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_PromptPastTheContext_FailsWithAClearMessage()
    {
        var r = CliRunner.Run("run", "--model", Model, "--prompt", string.Concat(Enumerable.Repeat("x ", 600)), "-n", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("context holds 512", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnknownFormat_Fails()
    {
        var r = CliRunner.Run("run", "--model", Model, "--chat", "hi", "--format", "vicuna");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown chat format", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_FolderWithoutTokenizer_Fails()
    {
        string folder = Directory.CreateTempSubdirectory("starchat-notok").FullName;
        try
        {
            foreach (var f in new[] { "config.json", "model.safetensors" })
                File.Copy(Path.Combine(Model, f), Path.Combine(folder, f));
            var r = CliRunner.Run("run", "--model", folder, "--prompt", "x");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("tokenizer", r.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Logits_AllPositions_EqualTheNumpyReferenceFile()
    {
        string output = Path.Combine(Path.GetTempPath(), $"starchat-logits-{Guid.NewGuid():N}.f32");
        try
        {
            var r = CliRunner.Run("logits", "--model", Model, "--ids", "589,1459,81,7656", "--all-positions", "--out", output);
            Assert.Equal(0, r.ExitCode);
            var ours = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output));
            var reference = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures("logits", "tiny-starchat.hello.f32")));
            Assert.Equal(reference.Length, ours.Length);
            for (int i = 0; i < ours.Length; i++)
                Assert.True(Math.Abs(ours[i] - reference[i]) < 1e-3, $"logit {i}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Logits_ExactFlag_MatchesNumpyWhileDefaultMatchesLlamaCppCloser()
    {
        // fixtures: the chat prompt's last-position logits of tiny-starchat.q8_0.gguf from numpy (same dequantized
        // weights, float activations) and from llama.cpp (8-bit activations, f16 GELU table).
        using var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json")));
        var chat = expected.RootElement.GetProperty("cases").EnumerateArray()
            .First(c => c.GetProperty("model").GetString() == "gguf/tiny-starchat.q8_0.gguf" && c.GetProperty("prompt").GetString() == "chat");
        string ids = string.Join(',', chat.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()));
        var numpy = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures("logits", "tiny-starchat.q8_0.gguf.chat.last.numpy.f32"))).ToArray();
        var llamaCpp = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(SharedPaths.Fixtures("logits", "tiny-starchat.q8_0.gguf.chat.last.f32"))).ToArray();

        var exact = LastLogits(ids, "--exact");
        var fast = LastLogits(ids);

        Assert.True(MaxAbs(exact, numpy) <= 2e-3, $"--exact vs numpy: {MaxAbs(exact, numpy)}");
        Assert.True(MaxAbs(fast, numpy) > 2e-3, "the default should quantize activations, so differ from numpy");
        Assert.True(MaxAbs(fast, llamaCpp) <= 0.3, $"default vs llama.cpp: {MaxAbs(fast, llamaCpp)}");
        Assert.True(MaxAbs(fast, llamaCpp) < MaxAbs(exact, llamaCpp), $"default {MaxAbs(fast, llamaCpp)} vs --exact {MaxAbs(exact, llamaCpp)} from llama.cpp");

        static float[] LastLogits(string ids, params string[] extra)
        {
            string output = Path.Combine(Path.GetTempPath(), $"starchat-logits-{Guid.NewGuid():N}.f32");
            try
            {
                var r = CliRunner.Run(["logits", "--model", SharedPaths.Fixtures("gguf", "tiny-starchat.q8_0.gguf"), "--ids", ids, "--out", output, .. extra]);
                Assert.True(r.ExitCode == 0, r.Err);
                return MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output)).ToArray();
            }
            finally
            {
                File.Delete(output);
            }
        }

        static double MaxAbs(float[] a, float[] b)
        {
            Assert.Equal(a.Length, b.Length);
            double worst = 0;
            for (int i = 0; i < a.Length; i++)
                worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
            return worst;
        }
    }

    [Theory]
    [InlineData("--ids", "1,99999", "outside the vocabulary")]
    [InlineData("--ids", "1,x", "comma-separated integers")]
    [InlineData("--prompt", "", "empty")]
    public void Logits_BadInput_ExitCode2(string option, string value, string message)
    {
        var r = CliRunner.Run("logits", "--model", Model, option, value, "--out", Path.Combine(Path.GetTempPath(), "never.f32"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Chat_PipedConversation_StreamsRepliesAndSavesTranscript()
    {
        string transcript = Path.Combine(Path.GetTempPath(), $"starchat-chat-{Guid.NewGuid():N}.json");
        try
        {
            var r = CliRunner.RunProcess($"Hello\n/set temperature 0\nHow are you?\n/save {transcript}\n/reset\n/exit\n", "chat", "--model", Model, "-n", "5");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(2, CountOf(r.Out, "assistant>"));
            // The second turn reuses the first turn's prompt from the cache: "<|system|>\n<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>" and more.
            Assert.Matches(@"\((?:[1-9]\d+) cached\)", r.Out);
            Assert.Contains("\"role\": \"assistant\"", File.ReadAllText(transcript), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(transcript);
        }
    }

    [Fact]
    public void Chat_CtrlC_StopsTheReplyNotTheProgram()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Skip("SIGINT is sent with kill(1)");
        var psi = CliRunner.StartInfo("chat", "--model", SharedPaths.Fixtures("gguf", "small-starchat.q2_k.gguf"), "-n", "900", "--threads", "1");
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.StandardInput.WriteLine("Tell me a long story");
        process.StandardInput.Flush();
        // Wait for the reply to start, then interrupt it.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline && !Contains(output, "assistant>"))
            Thread.Sleep(100);
        Thread.Sleep(500);
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            kill!.WaitForExit();
        while (DateTime.UtcNow < deadline && !Contains(output, "[interrupted]"))
            Thread.Sleep(100);
        process.StandardInput.WriteLine("/exit");
        process.StandardInput.Flush();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "chat did not exit after /exit");
        Assert.Equal(0, process.ExitCode);
        string transcript;
        lock (output) transcript = output.ToString();
        Assert.Contains("[interrupted]", transcript, StringComparison.Ordinal);
    }

    private static bool Contains(System.Text.StringBuilder sb, string text)
    {
        lock (sb) return sb.ToString().Contains(text, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}
