using System.Text;
using StarChat.Formats.Hub;
using StarChat.Testing;
using StarChat.Testing.Hub;

namespace StarChat.Formats.Tests.Hub;

/// <summary>
/// Downloads from <see cref="FakeHub"/> (real HTTP on 127.0.0.1) into a temporary cache, checked against the layout
/// Python's huggingface_hub writes (file_download.py: blobs/{etag}, snapshots/{commit}/{file} → ../../blobs/{etag},
/// refs/{revision}) and against the fixture's own bytes, sha256 and git blob ids.
/// </summary>
public sealed class HubModelResolverTests : IAsyncLifetime
{
    private const string Repo = "bigcode-test/tiny-starchat";
    private static readonly string Fixture = SharedPaths.Fixtures("tiny-starchat");
    private readonly string _cache = Path.Combine(Path.GetTempPath(), $"starchat-hub-{Guid.NewGuid():N}");
    private FakeHub _hub = null!;
    private string _main = "";

    public async ValueTask InitializeAsync()
    {
        _hub = await FakeHub.StartAsync(Repo);
        var files = FakeHub.FolderFiles(Fixture);
        // Files a model does not need, which must not be fetched: weights in a second format, a GGUF, a README.
        files["pytorch_model.bin"] = Encoding.ASCII.GetBytes("not needed when safetensors exist");
        files["tiny.q8_0.gguf"] = Encoding.ASCII.GetBytes("GGUF not needed either");
        files["README.md"] = Encoding.ASCII.GetBytes("# tiny\n");
        _main = _hub.AddCommit("main", files);
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        if (Directory.Exists(_cache))
            Directory.Delete(_cache, recursive: true);
    }

    private HubSettings Settings(bool offline = false, string? token = null, string? endpoint = null)
        => new() { Endpoint = endpoint ?? _hub.Endpoint, CacheDirectory = _cache, Offline = offline, Token = token };

    private async Task<HubSnapshot> Download(string id, HubSettings? settings = null, List<string>? warnings = null)
    {
        using var resolver = new HubModelResolver(settings ?? Settings()) { Warning = warnings is null ? null : warnings.Add };
        return await resolver.DownloadAsync(HubModelId.Parse(id), TestContext.Current.CancellationToken);
    }

    private string RepoFolder => Path.Combine(_cache, "models--bigcode-test--tiny-starchat");

    private static readonly string[] NeededFiles =
        ["added_tokens.json", "config.json", "dialogue_template.json", "generation_config.json", "model.safetensors",
         "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"];

    [Fact]
    public async Task Download_FreshCache_WritesPythonLayout()
    {
        var snapshot = await Download(Repo);

        Assert.Equal(_main, snapshot.Commit);
        Assert.Equal(Path.Combine(RepoFolder, "snapshots", _main), snapshot.Path);
        Assert.Equal(_main, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        Assert.Equal(NeededFiles, Directory.GetFileSystemEntries(snapshot.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string name in NeededFiles)
        {
            byte[] expected = File.ReadAllBytes(Path.Combine(Fixture, name));
            string etag = FakeHub.Etag(name, expected);   // sha256 for the LFS weights, git blob sha1 for the rest
            Assert.Equal($"../../blobs/{etag}", new FileInfo(Path.Combine(snapshot.Path, name)).LinkTarget);
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(RepoFolder, "blobs", etag)));
        }
        Assert.Equal(NeededFiles.Length, Directory.GetFiles(Path.Combine(RepoFolder, "blobs")).Length);   // no .incomplete left
        Assert.Equal(NeededFiles.Length, snapshot.FilesDownloaded);
        using var model = ModelFile.Open(snapshot.Path);
        Assert.NotNull(model.Config);
    }

    [Fact]
    public async Task Download_ListingWithoutBlobIds_EtagsFromHeadHeaders()
    {
        _hub.ListBlobs = false;

        var snapshot = await Download(Repo);

        // HEAD answers: ETag (git sha1) for small files, the 302's X-Linked-Etag (sha256) for LFS, as Python reads them.
        Assert.Equal(NeededFiles.Length, _hub.Requests.Count(r => r.Method == "HEAD"));
        foreach (string name in NeededFiles)
        {
            string etag = FakeHub.Etag(name, File.ReadAllBytes(Path.Combine(Fixture, name)));
            Assert.Equal($"../../blobs/{etag}", new FileInfo(Path.Combine(snapshot.Path, name)).LinkTarget);
        }
    }

    [Fact]
    public async Task Download_SecondRun_OnlyListsTheRevision()
    {
        await Download(Repo);
        int before = _hub.Requests.Count;

        var again = await Download(Repo);

        Assert.Equal(0, again.FilesDownloaded);
        var request = Assert.Single(_hub.Requests.Skip(before));
        Assert.Equal($"/api/models/{Repo}/revision/main?blobs=true", request.Path);
    }

    [Fact]
    public async Task Download_Offline_UsesCachedSnapshotWithoutRequests()
    {
        var online = await Download(Repo);
        int before = _hub.Requests.Count;

        var offline = await Download(Repo, Settings(offline: true));

        Assert.Equal(online.Path, offline.Path);
        Assert.True(offline.Offline);
        Assert.Equal(before, _hub.Requests.Count);
    }

    [Fact]
    public async Task Download_OfflineAndNotCached_FailsNamingHfHubOffline()
    {
        var e = await Assert.ThrowsAsync<HubException>(() => Download(Repo, Settings(offline: true)));
        Assert.Equal(HubErrorKind.NotCached, e.Kind);
        Assert.Contains("HF_HUB_OFFLINE", e.Message, StringComparison.Ordinal);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task Download_HubUnreachable_FallsBackToCachedSnapshotWithWarning()
    {
        var online = await Download(Repo);
        var warnings = new List<string>();

        var fallback = await Download(Repo, Settings(endpoint: "http://127.0.0.1:1"), warnings);

        Assert.Equal(online.Path, fallback.Path);
        Assert.True(fallback.Offline);
        Assert.Contains("cached snapshot", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_ConnectionCutMidFile_NextRunResumesWithRange()
    {
        _hub.CutDownloads("model.safetensors");
        byte[] weights = File.ReadAllBytes(Path.Combine(Fixture, "model.safetensors"));
        string blob = Path.Combine(RepoFolder, "blobs", FakeHub.Sha256(weights));

        var cut = await Assert.ThrowsAsync<HubException>(() => Download(Repo));
        Assert.Equal(HubErrorKind.Network, cut.Kind);
        Assert.False(File.Exists(blob));
        long partial = new FileInfo(blob + ".incomplete").Length;   // what arrived before the reset
        Assert.InRange(partial, 1, _hub.CutAfterBytes);

        var resumed = await Download(Repo);

        var cdn = _hub.FileDownloads().Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Range);
        Assert.Equal($"bytes={partial}-", cdn[1].Range);
        Assert.Equal(1, resumed.FilesDownloaded);   // the small files came in the first run
        Assert.Equal(weights.Length - partial, resumed.BytesDownloaded);
        Assert.Equal(weights, File.ReadAllBytes(blob));
        Assert.False(File.Exists(blob + ".incomplete"));
    }

    [Fact]
    public async Task Download_BlobLockedByAnotherDownload_WaitsThenCompletes()
    {
        byte[] weights = File.ReadAllBytes(Path.Combine(Fixture, "model.safetensors"));
        string lockPath = Path.Combine(_cache, ".locks", "models--bigcode-test--tiny-starchat", FakeHub.Sha256(weights) + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var warnings = new List<string>();
        Task<HubSnapshot> download;
        using var resolver = new HubModelResolver(Settings()) { Warning = w => { lock (warnings) warnings.Add(w); }, LockPollInterval = TimeSpan.FromMilliseconds(50) };
        using (new FileStream(lockPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None))   // Python's filelock, or a second starchat
        {
            download = resolver.DownloadAsync(HubModelId.Parse(Repo), TestContext.Current.CancellationToken);
            // The download reaches the lock after the metadata and small files, which on a loaded machine can take
            // longer than any fixed wait: wait for the first warning, then ten more poll intervals.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (DateTime.UtcNow < deadline && !download.IsCompleted)
            {
                lock (warnings)
                    if (warnings.Count > 0)
                        break;
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.False(download.IsCompleted);
            lock (warnings) Assert.Contains("waiting for another download", Assert.Single(warnings), StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(RepoFolder, "blobs", FakeHub.Sha256(weights) + ".incomplete")));
        }

        var snapshot = await download.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot.Path, "model.safetensors")));
    }

    [Theory]
    [InlineData("model.safetensors")]   // LFS: sha256 against X-Linked-Etag / lfs.sha256
    [InlineData("config.json")]         // in git: sha1 of the git blob
    public async Task Download_CorruptBytes_FailsAndKeepsNoBlob(string file)
    {
        _hub.CorruptFile = file;

        var e = await Assert.ThrowsAsync<HubException>(() => Download(Repo));

        Assert.Equal(HubErrorKind.Checksum, e.Kind);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        string etag = FakeHub.Etag(file, File.ReadAllBytes(Path.Combine(Fixture, file)));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "blobs", etag)));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "blobs", etag + ".incomplete")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", _main, file)));
    }

    [Fact]
    public async Task Download_GatedWithoutToken_MessageNamesHfToken()
    {
        _hub.GatedToken = "hf_granted";

        var e = await Assert.ThrowsAsync<HubException>(() => Download(Repo));

        Assert.Equal(HubErrorKind.AccessDenied, e.Kind);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("gated", e.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(RepoFolder, "snapshots")));
    }

    [Fact]
    public async Task Download_GatedWithToken_SendsTokenToHubButNotToCdn()
    {
        _hub.GatedToken = "hf_granted";

        await Download(Repo, Settings(token: "hf_granted"));

        Assert.All(_hub.Requests.Where(r => !r.Path.StartsWith("/cdn/", StringComparison.Ordinal)), r => Assert.Equal("Bearer hf_granted", r.Authorization));
        var cdn = Assert.Single(_hub.Requests, r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal));
        Assert.Null(cdn.Authorization);
    }

    [Fact]
    public async Task Download_PinnedBranchAndCommit_SnapshotPerCommitSharingBlobs()
    {
        var files = FakeHub.FolderFiles(Fixture);
        files["generation_config.json"] = Encoding.UTF8.GetBytes("{\"eos_token_id\": [0, 49155], \"max_new_tokens\": 7}");
        string older = _hub.AddCommit("v1", files);

        var branch = await Download($"{Repo}@v1");
        int before = _hub.FileDownloads().Count;
        var pinned = await Download($"{Repo}@{_main}");

        Assert.Equal(Path.Combine(RepoFolder, "snapshots", older), branch.Path);
        Assert.Equal(older, File.ReadAllText(Path.Combine(RepoFolder, "refs", "v1")));
        Assert.Equal(files["generation_config.json"], File.ReadAllBytes(Path.Combine(branch.Path, "generation_config.json")));
        Assert.Equal(Path.Combine(RepoFolder, "snapshots", _main), pinned.Path);
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", _main)));   // a commit hash needs no ref
        Assert.Equal(1, pinned.FilesDownloaded);                               // only the changed file; blobs are shared
        Assert.Equal($"/{Repo}/resolve/{_main}/generation_config.json", Assert.Single(_hub.FileDownloads().Skip(before)).Path);
    }

    [Fact]
    public async Task Download_UnknownRevision_NotFoundNamesRevision()
    {
        var e = await Assert.ThrowsAsync<HubException>(() => Download($"{Repo}@no-such-branch"));
        Assert.Equal(HubErrorKind.NotFound, e.Kind);
        Assert.Contains("revision 'no-such-branch' not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_UnknownRepo_NotFoundSuggestsTokenForPrivateRepos()
    {
        var e = await Assert.ThrowsAsync<HubException>(() => Download("bigcode-test/no-such-model"));
        Assert.Equal(HubErrorKind.NotFound, e.Kind);
        Assert.Contains("bigcode-test/no-such-model: repository not found, or private (HF_TOKEN is not set", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_GgufId_FetchesOnlyThatFile()
    {
        var snapshot = await Download($"{Repo}/tiny.q8_0.gguf");

        Assert.Equal(Path.Combine(RepoFolder, "snapshots", _main, "tiny.q8_0.gguf"), snapshot.Path);
        Assert.Equal(["tiny.q8_0.gguf"], Directory.GetFileSystemEntries(Path.GetDirectoryName(snapshot.Path)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Download_ShardIndex_FetchesOnlyTheShardsItNames()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["config.json"] = File.ReadAllBytes(Path.Combine(Fixture, "config.json")),
            ["model.safetensors.index.json"] = Encoding.UTF8.GetBytes(
                "{\"metadata\": {\"total_size\": 8}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}"),
            ["model-00001-of-00002.safetensors"] = [1, 2, 3, 4],
            ["model-00002-of-00002.safetensors"] = [5, 6, 7, 8],
            ["old-model-00001-of-00001.safetensors"] = [9],
        };
        string sha = _hub.AddCommit("sharded", files);

        var snapshot = await Download($"{Repo}@sharded");

        Assert.Equal(
            ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
            Directory.GetFileSystemEntries(snapshot.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(sha, snapshot.Commit);
    }

    [Fact]
    public async Task Download_PeftAdapterRepo_FetchesItsConfigAndWeightsAndIsCachedOffline()
    {
        var files = FakeHub.FolderFiles(SharedPaths.Fixtures("tiny-starchat-lora"));
        files["README.md"] = Encoding.ASCII.GetBytes("# adapter\n");
        files["training_args.bin"] = [1, 2, 3];
        string sha = _hub.AddCommit("adapter", files);

        var snapshot = await Download($"{Repo}@adapter");
        var offline = await Download($"{Repo}@adapter", Settings(offline: true));

        Assert.Equal(sha, snapshot.Commit);
        Assert.Equal(["adapter_config.json", "adapter_model.safetensors"], Directory.GetFileSystemEntries(snapshot.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(SharedPaths.Fixtures("tiny-starchat-lora", "adapter_model.safetensors")), File.ReadAllBytes(Path.Combine(snapshot.Path, "adapter_model.safetensors")));
        Assert.Equal(snapshot.Path, offline.Path);
    }

    [Fact]
    public async Task Download_RepoOfGgufOnly_ErrorListsGgufFiles()
    {
        _hub.AddCommit("gguf-only", new Dictionary<string, byte[]> { ["a.q4_0.gguf"] = [1], ["a.q8_0.gguf"] = [2] });

        var e = await Assert.ThrowsAsync<HubException>(() => Download($"{Repo}@gguf-only"));

        Assert.Contains("a.q4_0.gguf, a.q8_0.gguf", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{Repo}/FILE.gguf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_ExistingLocalPath_WinsWithoutRequests()
    {
        using var resolver = new HubModelResolver(Settings());
        Assert.Equal(Fixture, await resolver.ResolveAsync(Fixture, TestContext.Current.CancellationToken));
        Assert.Empty(_hub.Requests);
    }
}
