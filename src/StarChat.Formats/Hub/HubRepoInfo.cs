namespace StarChat.Formats.Hub;

/// <summary>One file of a repository at a commit, as <c>/api/models/{repo}/revision/{rev}?blobs=true</c> lists it.</summary>
/// <param name="Path">Repository-relative path (<c>rfilename</c>).</param>
/// <param name="Size">Size in bytes, when listed.</param>
/// <param name="BlobId">Git blob sha1 (<c>blobId</c>): the etag of a file kept in git.</param>
/// <param name="LfsSha256">sha256 of an LFS file's contents (<c>lfs.sha256</c>): its etag.</param>
public sealed record HubFileEntry(string Path, long? Size, string? BlobId, string? LfsSha256)
{
    /// <summary>
    /// The name of the blob in the cache, as Python's <c>hf_hub_download</c> names it from the
    /// <c>X-Linked-Etag</c> (LFS) or <c>ETag</c> header: the LFS sha256, else the git blob id.
    /// </summary>
    public string? Etag => LfsSha256 ?? BlobId;
}

/// <summary>A repository at one commit: the commit hash and its files.</summary>
/// <param name="RepoId"><c>org/name</c>.</param>
/// <param name="Commit">The full commit hash the revision resolved to (<c>sha</c>).</param>
/// <param name="Files">Every file in the repository at that commit.</param>
public sealed record HubRepoInfo(string RepoId, string Commit, IReadOnlyList<HubFileEntry> Files);

/// <summary>What a <c>HEAD …/resolve/{rev}/{file}</c> says about a file (huggingface_hub's <c>HfFileMetadata</c>).</summary>
/// <param name="Commit"><c>X-Repo-Commit</c>.</param>
/// <param name="Etag"><c>X-Linked-Etag</c>, else <c>ETag</c>, without quotes or a <c>W/</c> prefix.</param>
/// <param name="Size"><c>X-Linked-Size</c>, else <c>Content-Length</c>.</param>
public sealed record HubFileMetadata(string? Commit, string? Etag, long? Size);
