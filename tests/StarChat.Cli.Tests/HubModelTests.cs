using StarChat.Testing;
using StarChat.Testing.Hub;

namespace StarChat.Cli.Tests;

/// <summary>
/// <c>--model org/name</c> end to end: the CLI downloads the tiny StarChat fixture from a fake Hub (HF_ENDPOINT) into a
/// temporary HF_HOME and generates exactly what it generates from the fixture folder itself.
/// </summary>
public sealed class HubModelTests : IAsyncLifetime
{
    private const string Repo = "bigcode-test/tiny-starchat";
    private static readonly string[] Variables =
        ["HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"];

    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"starchat-hfhome-{Guid.NewGuid():N}");
    private FakeHub _hub = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = await FakeHub.StartAsync(Repo);
        _hub.AddCommit("main", FakeHub.FolderFiles(SharedPaths.Fixtures("tiny-starchat")));
        foreach (var v in Variables)
            Environment.SetEnvironmentVariable(v, null);
        Environment.SetEnvironmentVariable("HF_ENDPOINT", _hub.Endpoint);
        Environment.SetEnvironmentVariable("HF_HOME", _home);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (name, value) in _saved)
            Environment.SetEnvironmentVariable(name, value);
        await _hub.DisposeAsync();
        if (Directory.Exists(_home))
            Directory.Delete(_home, recursive: true);
    }

    private static readonly string[] Generate = ["--prompt", "def print_hello", "--greedy", "-n", "3"];

    [Fact]
    public void Run_HubId_DownloadsThenGeneratesAsFromTheFolder()
    {
        var local = CliRunner.Run(["run", "--model", SharedPaths.Fixtures("tiny-starchat"), .. Generate]);

        var hub = CliRunner.Run(["run", "--model", Repo, .. Generate]);
        TestContext.Current.TestOutputHelper?.WriteLine(hub.Err);

        Assert.Equal(0, hub.ExitCode);
        Assert.Equal(local.Out, hub.Out);
        Assert.Contains("downloading model.safetensors", hub.Err, StringComparison.Ordinal);
        Assert.Contains("checksum ok", hub.Err, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(_home, "hub", "models--bigcode-test--tiny-starchat", "snapshots")));

        Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", "1");
        int requests = _hub.Requests.Count;
        var offline = CliRunner.Run(["run", "--model", Repo, .. Generate]);
        TestContext.Current.TestOutputHelper?.WriteLine(offline.Err);

        Assert.Equal(0, offline.ExitCode);
        Assert.Equal(local.Out, offline.Out);
        Assert.Contains("using the cached snapshot", offline.Err, StringComparison.Ordinal);
        Assert.Equal(requests, _hub.Requests.Count);
    }

    [Fact]
    public void Convert_HubId_WritesLlamaCppsBytes()
    {
        string output = Path.Combine(_home, "tiny-starchat.q8_0.gguf");
        var r = CliRunner.Run("convert", Repo, "--out", output, "--type", "q8_0", "--threads", "2");
        Assert.True(r.ExitCode == 0, r.Err);
        // Named after the repository, not the snapshot's commit folder: the same file llama.cpp's tools made.
        using var stream = File.OpenRead(output);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        using var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(SharedPaths.Fixtures("expected.json")));
        Assert.Equal(expected.RootElement.GetProperty("files").GetProperty("gguf/tiny-starchat.q8_0.gguf").GetProperty("sha256").GetString(), sha);
    }

    [Fact]
    public void Run_GgufFileId_FetchesThatFileAndGeneratesAsFromIt()
    {
        string gguf = SharedPaths.Fixtures("gguf", "tiny-starchat.q4_0.gguf");
        _hub.AddCommit("gguf", new Dictionary<string, byte[]> { ["tiny-starchat.q4_0.gguf"] = File.ReadAllBytes(gguf), ["README.md"] = [0x23] });
        var local = CliRunner.Run(["run", "--model", gguf, .. Generate]);

        var hub = CliRunner.Run(["run", "--model", $"{Repo}/tiny-starchat.q4_0.gguf@gguf", .. Generate]);

        Assert.Equal(0, hub.ExitCode);
        Assert.Equal(local.Out, hub.Out);
        Assert.Contains("1 file (", hub.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Quantize_HubGgufId_WritesTheSameBytesAsFromTheLocalFile()
    {
        string f16 = SharedPaths.Fixtures("gguf", "tiny-starchat.f16.gguf");
        _hub.AddCommit("f16", new Dictionary<string, byte[]> { ["tiny-starchat.f16.gguf"] = File.ReadAllBytes(f16) });
        string fromLocal = Path.Combine(_home, "local.q8_0.gguf"), fromHub = Path.Combine(_home, "hub.q8_0.gguf");
        Directory.CreateDirectory(_home);

        var local = CliRunner.Run("quantize", f16, fromLocal, "q8_0", "--threads", "2");
        var hub = CliRunner.Run("quantize", $"{Repo}/tiny-starchat.f16.gguf@f16", fromHub, "q8_0", "--threads", "2");

        Assert.True(local.ExitCode == 0, local.Err);
        Assert.True(hub.ExitCode == 0, hub.Err);
        Assert.Contains("1 file (", hub.Err, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(fromLocal), File.ReadAllBytes(fromHub));
    }

    [Fact]
    public async Task Run_LoraHubId_DownloadsTheAdapterAndGeneratesTheAdaptedReference()
    {
        // The adapter lives in its own repository; the base model is the local fixture folder.
        await using var adapters = await FakeHub.StartAsync("bigcode-test/tiny-starchat-lora");
        adapters.AddCommit("main", FakeHub.FolderFiles(SharedPaths.Fixtures("tiny-starchat-lora")));
        Environment.SetEnvironmentVariable("HF_ENDPOINT", adapters.Endpoint);
        try
        {
            var r = CliRunner.Run(["run", "--model", SharedPaths.Fixtures("tiny-starchat"), "--lora", "bigcode-test/tiny-starchat-lora@main", .. Generate]);

            Assert.True(r.ExitCode == 0, r.Err);
            Assert.Contains("downloading adapter_model.safetensors", r.Err, StringComparison.Ordinal);
            // expected-hf.json, tiny-starchat-lora/code: greedy ids begin 40526 9427 35913.
            var tokenizer = StarChat.Generation.Text.ModelTokenizer.Load(SharedPaths.Fixtures("tiny-starchat")).Tokenizer;
            Assert.Equal(tokenizer.Decode([40526, 9427, 35913]), r.Out.TrimEnd('\n'));
        }
        finally
        {
            Environment.SetEnvironmentVariable("HF_ENDPOINT", _hub.Endpoint);
        }
    }

    [Fact]
    public void Info_HubId_DescribesTheSnapshot()
    {
        var r = CliRunner.Run("info", Repo);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("models--bigcode-test--tiny-starchat", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_GatedHubIdWithoutToken_ErrorAndHintNameHfToken()
    {
        _hub.GatedToken = "hf_granted";

        var r = CliRunner.Run(["run", "--model", Repo, .. Generate]);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("error: bigcode-test/tiny-starchat is a gated model", r.Err, StringComparison.Ordinal);
        Assert.Contains("hint: create a read token", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnknownRevision_BadInputNamingRevision()
    {
        var r = CliRunner.Run(["run", "--model", $"{Repo}@nope", .. Generate]);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("revision 'nope' not found", r.Err, StringComparison.Ordinal);
    }
}
