using StarChat.Formats.IO;

namespace StarChat.Formats.Hub;

/// <summary>Where a resolved model is and how it got there.</summary>
/// <param name="Path">The snapshot folder (or, for a GGUF id, the GGUF file in it): what <see cref="ModelFile.Open(string)"/> takes.</param>
/// <param name="Commit">The commit the snapshot is of.</param>
/// <param name="FilesDownloaded">Files fetched over the network this time (0 when all were cached).</param>
/// <param name="BytesDownloaded">Bytes fetched this time.</param>
/// <param name="Offline">True when the Hub was not asked (offline mode, or unreachable with the snapshot cached).</param>
public sealed record HubSnapshot(string Path, string Commit, int FilesDownloaded, long BytesDownloaded, bool Offline);

/// <summary>
/// Turns the <c>--model</c> text into a local path. A file or folder that exists always wins; otherwise
/// <c>org/name[/file.gguf][@revision]</c> is fetched from the Hub into the shared cache (<see cref="HubCache"/>):
/// the revision is listed (one request), the files a model needs are picked (<see cref="HubFileSelection"/>), and
/// only those missing from the cache are downloaded, each to <c>blobs/{etag}.incomplete</c> (resumed with a Range
/// request after an interruption), verified against its etag, then renamed to <c>blobs/{etag}</c> and linked into
/// <c>snapshots/{commit}</c>. Offline (<c>HF_HUB_OFFLINE</c>, or the Hub unreachable) a cached snapshot is used.
/// </summary>
public sealed class HubModelResolver : IDisposable
{
    private readonly HubClient _client;
    private readonly HubSettings _settings;

    /// <summary>Creates a resolver; <paramref name="handler"/> replaces the HTTP stack (tests).</summary>
    public HubModelResolver(HubSettings settings, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        _client = new HubClient(settings, handler);
        Cache = new HubCache(settings.CacheDirectory);
    }

    /// <summary>The cache files go to.</summary>
    public HubCache Cache { get; }

    /// <summary>Download progress, or null.</summary>
    public IHubProgress? Progress { get; init; }

    /// <summary>Warnings (falling back to the cache when the Hub is unreachable), or null.</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>
    /// True when <paramref name="model"/> should be fetched from the Hub: no file or folder of that name exists and
    /// it reads as a Hub id.
    /// </summary>
    public static bool IsHubId(string model, out HubModelId? id)
    {
        id = null;
        return !File.Exists(model) && !Directory.Exists(model) && HubModelId.TryParse(model, out id);
    }

    /// <summary>The local path for <paramref name="model"/>: itself when it exists or is no Hub id, else the snapshot.</summary>
    /// <exception cref="HubException">The Hub refused, the model is not there, or a download failed.</exception>
    public async Task<string> ResolveAsync(string model, CancellationToken ct = default)
        => IsHubId(model, out var id) ? (await DownloadAsync(id!, ct).ConfigureAwait(false)).Path : model;

    /// <summary>Brings the model's files into the cache (or finds them there) and returns the snapshot.</summary>
    /// <exception cref="HubException">The Hub refused, the model is not there, or a download failed.</exception>
    public async Task<HubSnapshot> DownloadAsync(HubModelId id, CancellationToken ct = default)
    {
        if (_settings.Offline)
        {
            return CachedSnapshot(id) ?? throw new HubException(HubErrorKind.NotCached,
                $"{id}: not in the cache at {Cache.Root}, and HF_HUB_OFFLINE is set; unset it to download");
        }
        HubRepoInfo info;
        try
        {
            info = await _client.GetRevisionAsync(id.RepoId, id.Revision, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e, ct))
        {
            if (CachedSnapshot(id) is { } cached)
            {
                Warning?.Invoke($"{_settings.Endpoint} is unreachable or failing ({e.Message}); using the cached snapshot {cached.Commit}");
                return cached;
            }
            throw new HubException(HubErrorKind.Network, $"{id}: {_settings.Endpoint} is unreachable or failing ({e.Message}), and the model is not in the cache at {Cache.Root}", null, e);
        }

        var selection = new HubFileSelection(info, id);
        int files = 0;
        long bytes = 0;
        foreach (var entry in selection.Initial)
            (files, bytes) = Add(await EnsureFileAsync(info, entry, ct).ConfigureAwait(false), files, bytes);
        foreach (var entry in selection.Shards(Cache.SnapshotFile(info.RepoId, info.Commit, selection.Index?.Path ?? "")))
            (files, bytes) = Add(await EnsureFileAsync(info, entry, ct).ConfigureAwait(false), files, bytes);
        Cache.WriteRef(id.RepoId, id.Revision, info.Commit);
        string folder = Cache.SnapshotFolder(id.RepoId, info.Commit);
        string path = id.FileName is null ? folder : Cache.SnapshotFile(id.RepoId, info.Commit, id.FileName);
        return new HubSnapshot(path, info.Commit, files, bytes, Offline: false);

        static (int, long) Add(long downloaded, int files, long bytes) => downloaded < 0 ? (files, bytes) : (files + 1, bytes + downloaded);
    }

    /// <summary>The cached snapshot for <paramref name="id"/>, without the network, or null.</summary>
    public HubSnapshot? CachedSnapshot(HubModelId id)
    {
        if (Cache.CachedCommit(id.RepoId, id.Revision) is not { } commit)
            return null;
        string folder = Cache.SnapshotFolder(id.RepoId, commit);
        string path = id.FileName is null ? folder : Cache.SnapshotFile(id.RepoId, commit, id.FileName);
        bool complete = id.FileName is null
            ? File.Exists(Path.Combine(folder, "config.json")) || File.Exists(Path.Combine(folder, HubFileSelection.AdapterConfig))
            : File.Exists(path);
        return complete ? new HubSnapshot(path, commit, 0, 0, Offline: true) : null;
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _client.Dispose();

    private static bool IsUnreachable(Exception e, CancellationToken ct) => e switch
    {
        HttpRequestException => true,
        OperationCanceledException => !ct.IsCancellationRequested,   // the metadata timeout, not the caller
        HubException { StatusCode: >= 500 } => true,
        _ => false,
    };

    /// <summary>Makes <c>snapshots/{commit}/{path}</c> exist; returns the bytes downloaded, or -1 when nothing was.</summary>
    private async Task<long> EnsureFileAsync(HubRepoInfo info, HubFileEntry entry, CancellationToken ct)
    {
        string link = Cache.SnapshotFile(info.RepoId, info.Commit, entry.Path);
        if (File.Exists(link))   // follows the symlink: a dangling link is downloaded again
            return -1;
        string? etag = entry.Etag;
        long? size = entry.Size;
        if (etag is null)
        {
            // The listing had no blob ids (an older or partial Hub): ask for the file's headers, as Python always does.
            var meta = await _client.GetFileMetadataAsync(info.RepoId, info.Commit, entry.Path, ct).ConfigureAwait(false);
            etag = meta.Etag ?? throw new HubException(HubErrorKind.Protocol, $"{info.RepoId}: {entry.Path}: the Hub gave no ETag, so the file cannot be cached");
            size ??= meta.Size;
        }
        if (etag.Length == 0 || etag.Contains('/', StringComparison.Ordinal) || etag.Contains('\\', StringComparison.Ordinal) || etag.Contains("..", StringComparison.Ordinal))
            throw new HubException(HubErrorKind.Protocol, $"{info.RepoId}: {entry.Path}: etag '{etag}' cannot name a file");
        string blob = Cache.BlobPath(info.RepoId, etag);
        long downloaded = -1;
        if (!File.Exists(blob))
            downloaded = await DownloadBlobAsync(info, entry.Path, blob, etag, size, ct).ConfigureAwait(false);
        Cache.Link(info.RepoId, info.Commit, entry.Path, etag);
        return downloaded;
    }

    private async Task<long> DownloadBlobAsync(HubRepoInfo info, string path, string blob, string etag, long? size, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        string incomplete = blob + ".incomplete";
        long received = 0;
        string display = $"{info.RepoId}: {path}";
        using (var blobLock = await LockAsync(Cache.LockPath(info.RepoId, etag), display, ct).ConfigureAwait(false))
        {
            if (File.Exists(blob))
                return -1;   // another process finished it while this one waited
            received = await DownloadLockedAsync(info, path, incomplete, display, size, ct).ConfigureAwait(false);
            try
            {
                HubChecksum.Verify(incomplete, display, etag, size);
            }
            catch (HubException)
            {
                File.Delete(incomplete);   // a corrupt download never becomes a blob, and is not resumed either
                throw;
            }
            File.Move(incomplete, blob, overwrite: true);
        }
        Progress?.FileFinished(path);
        return received;
    }

    /// <summary>How often a download waiting for another one's lock looks again.</summary>
    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    private async Task<FileStream> LockAsync(string lockPath, string display, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        bool told = false;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsLockConflict(e))
            {
                if (!told)
                    Warning?.Invoke($"{display}: waiting for another download of the same file to finish ({lockPath})");
                told = true;
                await Task.Delay(LockPollInterval, ct).ConfigureAwait(false);
            }
        }
    }

    // flock's EWOULDBLOCK (Linux 11, macOS 35) or Windows' ERROR_SHARING_VIOLATION; any other I/O error is real.
    private static bool IsLockConflict(IOException e) => e.HResult is 11 or 35 or unchecked((int)0x80070020);

    private async Task<long> DownloadLockedAsync(HubRepoInfo info, string path, string incomplete, string display, long? size, CancellationToken ct)
    {
        long received = 0;
        var file = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        using (file)
        {
            long have = file.Length;
            if (size is { } expected && have > expected)
                have = 0;
            Progress?.FileStarted(path, size, have);
            if (size is null || have < size)
            {
                ChunkAlignedWriteStream? chunked = null;
                try
                {
                    using var download = await _client.DownloadAsync(info.RepoId, info.Commit, path, have, ct).ConfigureAwait(false);
                    file.SetLength(download.Offset);   // 0 when the server ignored the range: start over
                    file.Position = download.Offset;
                    // Whole aligned chunks, so the page cache keeps the model in 2 MiB folios for the loads that follow.
                    chunked = new ChunkAlignedWriteStream(file, leaveOpen: true);
                    byte[] buffer = new byte[1 << 20];
                    int n;
                    while ((n = await download.Content.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                    {
                        await chunked.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                        received += n;
                        Progress?.BytesReceived(path, n);
                    }
                    await chunked.FlushAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or IOException && e is not HubException)
                {
                    // What arrived is kept, for the next run to resume from.
                    if (chunked is not null)
                        await chunked.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    throw new HubException(HubErrorKind.Network,
                        $"{display}: download interrupted at {file.Length} of {size?.ToString() ?? "?"} bytes ({e.Message}); run again to resume", null, e);
                }
            }
            else
            {
                file.SetLength(have);
            }
        }
        return received;
    }
}
