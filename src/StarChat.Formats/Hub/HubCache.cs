namespace StarChat.Formats.Hub;

/// <summary>
/// The Hub cache layout shared with Python's <c>huggingface_hub</c> (file_download.py), so files either side
/// downloaded are reused by the other:
/// <code>
/// {cache}/models--{org}--{name}/
///     blobs/{etag}                       file contents, named by sha256 (LFS) or git blob sha1 (small files)
///     blobs/{etag}.incomplete            a download in progress (resumed with a Range request)
///     refs/{revision}                    the commit hash a branch or tag pointed to when last fetched
///     snapshots/{commit}/{path}          relative symlinks → ../../blobs/{etag}
/// </code>
/// </summary>
public sealed class HubCache
{
    /// <summary>Uses <paramref name="root"/> as the cache folder (created on first write).</summary>
    public HubCache(string root) => Root = Path.GetFullPath(root);

    /// <summary>The cache folder (<c>HF_HUB_CACHE</c>).</summary>
    public string Root { get; }

    /// <summary><c>models--org--name</c> (huggingface_hub's <c>repo_folder_name</c>).</summary>
    public string RepoFolder(string repoId) => Path.Combine(Root, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    /// <summary><c>blobs/{etag}</c>.</summary>
    public string BlobPath(string repoId, string etag) => Path.Combine(RepoFolder(repoId), "blobs", etag);

    /// <summary>
    /// <c>.locks/models--org--name/{etag}.lock</c>, the lock file Python's huggingface_hub takes (with flock, as .NET's
    /// <see cref="FileShare.None"/> does on Unix) while it downloads a blob, so the two never write one blob at once.
    /// </summary>
    public string LockPath(string repoId, string etag) => Path.Combine(Root, ".locks", Path.GetFileName(RepoFolder(repoId)), etag + ".lock");

    /// <summary><c>snapshots/{commit}</c>.</summary>
    public string SnapshotFolder(string repoId, string commit) => Path.Combine(RepoFolder(repoId), "snapshots", commit);

    /// <summary><c>snapshots/{commit}/{path}</c>, with the repository's '/' turned into the platform's separator.</summary>
    public string SnapshotFile(string repoId, string commit, string path)
        => Path.Combine(SnapshotFolder(repoId, commit), path.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The commit hash stored in <c>refs/{revision}</c>, or null when the revision was never fetched.</summary>
    public string? ReadRef(string repoId, string revision)
    {
        string path = Path.Combine(RepoFolder(repoId), "refs", revision);
        return File.Exists(path) && File.ReadAllText(path).Trim() is { } commit && HubModelId.IsCommitHash(commit) ? commit : null;
    }

    /// <summary>
    /// Writes <c>refs/{revision}</c> (nothing for a commit hash), atomically, and only when it changed: a read-only
    /// shared cache that is already up to date keeps working (huggingface_hub issue 1216).
    /// </summary>
    public void WriteRef(string repoId, string revision, string commit)
    {
        if (revision == commit)
            return;
        string path = Path.Combine(RepoFolder(repoId), "refs", revision);
        if (File.Exists(path) && File.ReadAllText(path) == commit)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, commit);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The commit a revision names from the cache alone: itself when it is a hash, else its ref.</summary>
    public string? CachedCommit(string repoId, string revision)
        => HubModelId.IsCommitHash(revision) ? revision : ReadRef(repoId, revision);

    /// <summary>
    /// Points <c>snapshots/{commit}/{path}</c> at <c>blobs/{etag}</c> with a relative symlink, as Python does, so the
    /// cache can be moved. Where links cannot be made, the blob is copied instead (Python's fallback).
    /// </summary>
    /// <returns>The snapshot path.</returns>
    public string Link(string repoId, string commit, string path, string etag)
    {
        string link = SnapshotFile(repoId, commit, path);
        string blob = BlobPath(repoId, etag);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (File.Exists(link) || new FileInfo(link).LinkTarget is not null)
            File.Delete(link);
        try
        {
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Copy(blob, link, overwrite: true);
        }
        return link;
    }
}
