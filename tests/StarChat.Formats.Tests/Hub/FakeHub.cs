using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace StarChat.Testing.Hub;

/// <summary>
/// A local stand-in for huggingface.co serving one repository over real HTTP (Kestrel on 127.0.0.1): the revision
/// listing <c>/api/models/{repo}/revision/{rev}?blobs=true</c>, and <c>/{repo}/resolve/{rev}/{path}</c> answering
/// small files directly (ETag = git blob sha1) and LFS files (weights) with a 302 to <c>/cdn/{sha256}</c> carrying
/// X-Linked-Etag / X-Linked-Size, as the Hub does. The CDN honours Range requests. Faults can be switched on: a gated
/// repository, a connection cut mid-file, corrupted bytes. Every request is logged.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    public sealed record Request(string Method, string Path, string? Range, string? Authorization);

    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _refs = new(StringComparer.Ordinal);                       // branch → commit
    private readonly Dictionary<string, Dictionary<string, byte[]>> _commits = new(StringComparer.Ordinal); // commit → files
    private readonly ConcurrentDictionary<string, int> _cutsLeft = new(StringComparer.Ordinal);

    private FakeHub(string repoId, WebApplication app)
    {
        RepoId = repoId;
        _app = app;
    }

    public string RepoId { get; }
    public string Endpoint => _app.Urls.First();

    /// <summary>The same server under another host name, so LFS redirects cross hosts as they do to the real CDN.</summary>
    public string CdnEndpoint => Endpoint.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>When set, every request without <c>Authorization: Bearer {GatedToken}</c> gets 401 GatedRepo.</summary>
    public string? GatedToken { get; set; }

    /// <summary>File whose bytes are served with one byte flipped.</summary>
    public string? CorruptFile { get; set; }

    /// <summary>When false, the listing gives file names only, so clients must HEAD each file for its etag.</summary>
    public bool ListBlobs { get; set; } = true;

    /// <summary>Bytes sent of a cut file before the connection is aborted.</summary>
    public int CutAfterBytes { get; set; } = 1 << 20;

    public static async Task<FakeHub> StartAsync(string repoId)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var hub = new FakeHub(repoId, app);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        return hub;
    }

    /// <summary>Adds a commit (files by repository path) and points <paramref name="branch"/> at it; returns its hash.</summary>
    public string AddCommit(string branch, IReadOnlyDictionary<string, byte[]> files)
    {
        string sha = Sha1(Encoding.UTF8.GetBytes($"{branch}:{_commits.Count}"));
        _commits[sha] = new Dictionary<string, byte[]>(files, StringComparer.Ordinal);
        _refs[branch] = sha;
        return sha;
    }

    /// <summary>The fixture folder's files, as a commit's content.</summary>
    public static Dictionary<string, byte[]> FolderFiles(string folder)
        => Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);

    /// <summary>The next <paramref name="times"/> downloads of <paramref name="path"/> are cut after <see cref="CutAfterBytes"/>.</summary>
    public void CutDownloads(string path, int times = 1) => _cutsLeft[path] = times;

    public static bool IsLfs(string path) => path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal) || path.EndsWith(".gguf", StringComparison.Ordinal);
    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
    public static string GitBlobSha1(byte[] data) => Sha1([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]);

    // Git's object ids are SHA-1: here a name, not a security measure.
    private static string Sha1(byte[] data)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(data);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }
    public static string Etag(string path, byte[] data) => IsLfs(path) ? Sha256(data) : GitBlobSha1(data);

    /// <summary>Requests for files (resolve and CDN), excluding HEADs and the listing.</summary>
    public List<Request> FileDownloads() => Requests.Where(r => r.Method == "GET" && (r.Path.Contains("/resolve/", StringComparison.Ordinal) || r.Path.StartsWith("/cdn/", StringComparison.Ordinal))).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string path = Uri.UnescapeDataString(request.Path.Value ?? "");
        Requests.Enqueue(new Request(request.Method, path + request.QueryString, request.Headers.Range.FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
        var response = context.Response;
        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            // Signed CDN URLs never see the token (the client must drop it on the cross-host redirect; here it is
            // the same host, so this only checks the file exists).
            string sha = path["/cdn/".Length..];
            var found = _commits.Values.SelectMany(f => f).FirstOrDefault(kv => Sha256(kv.Value) == sha);
            if (found.Value is null) { response.StatusCode = 404; return; }
            await ServeBytesAsync(context, found.Key, found.Value);
            return;
        }
        if (GatedToken is not null && request.Headers.Authorization.FirstOrDefault() != $"Bearer {GatedToken}")
        {
            response.StatusCode = 401;
            response.Headers["X-Error-Code"] = "GatedRepo";
            response.Headers["X-Error-Message"] = $"Access to model {RepoId} is restricted. You must have access to it and be authenticated to access it. Please log in.";
            return;
        }
        string apiPrefix = $"/api/models/{RepoId}/revision/";
        string resolvePrefix = $"/{RepoId}/resolve/";
        if (path.StartsWith(apiPrefix, StringComparison.Ordinal))
        {
            if (Commit(path[apiPrefix.Length..], response) is not { } sha) return;
            var siblings = _commits[sha].Select(kv => !ListBlobs ? new Dictionary<string, object?> { ["rfilename"] = kv.Key } : new Dictionary<string, object?>
            {
                ["rfilename"] = kv.Key,
                ["size"] = kv.Value.Length,
                ["blobId"] = GitBlobSha1(IsLfs(kv.Key) ? LfsPointer(kv.Value) : kv.Value),
                ["lfs"] = IsLfs(kv.Key) ? new Dictionary<string, object> { ["sha256"] = Sha256(kv.Value), ["size"] = kv.Value.Length, ["pointerSize"] = LfsPointer(kv.Value).Length } : null,
            });
            response.ContentType = "application/json";
            await response.WriteAsync(JsonSerializer.Serialize(new { id = RepoId, sha, siblings }));
            return;
        }
        if (path.StartsWith(resolvePrefix, StringComparison.Ordinal))
        {
            string rest = path[resolvePrefix.Length..];
            int slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || Commit(rest[..slash], response) is not { } sha) { if (slash < 0) response.StatusCode = 404; return; }
            string file = rest[(slash + 1)..];
            if (!_commits[sha].TryGetValue(file, out var data))
            {
                response.StatusCode = 404;
                response.Headers["X-Error-Code"] = "EntryNotFound";
                return;
            }
            response.Headers["X-Repo-Commit"] = sha;
            if (IsLfs(file))
            {
                response.StatusCode = 302;
                response.Headers["X-Linked-Etag"] = $"\"{Sha256(data)}\"";
                response.Headers["X-Linked-Size"] = data.Length.ToString();
                response.Headers.ETag = $"\"{GitBlobSha1(LfsPointer(data))}\"";
                response.Headers.Location = $"{CdnEndpoint}/cdn/{Sha256(data)}?X-Amz-Signature=fake";
                return;
            }
            response.Headers.ETag = $"\"{GitBlobSha1(data)}\"";
            await ServeBytesAsync(context, file, data);
            return;
        }
        response.StatusCode = 404;
        response.Headers["X-Error-Code"] = "RepoNotFound";
    }

    private string? Commit(string revision, HttpResponse response)
    {
        if (_commits.ContainsKey(revision)) return revision;
        if (_refs.TryGetValue(revision, out var sha)) return sha;
        response.StatusCode = 404;
        response.Headers["X-Error-Code"] = "RevisionNotFound";
        return null;
    }

    private async Task ServeBytesAsync(HttpContext context, string file, byte[] data)
    {
        var response = context.Response;
        if (file == CorruptFile)
        {
            data = (byte[])data.Clone();
            data[data.Length / 2] ^= 0x5A;
        }
        long start = 0;
        if (context.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range["bytes=".Length..^1]);
            if (start >= data.Length)
            {
                response.StatusCode = 416;
                return;
            }
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {start}-{data.Length - 1}/{data.Length}";
        }
        response.ContentLength = data.Length - start;
        response.Headers.AcceptRanges = "bytes";
        if (context.Request.Method == "HEAD")
            return;
        if (_cutsLeft.TryGetValue(file, out int cuts) && cuts > 0)
        {
            _cutsLeft[file] = cuts - 1;
            int n = (int)Math.Min(CutAfterBytes, data.Length - start - 1);
            await response.Body.WriteAsync(data.AsMemory((int)start, n));
            await response.Body.FlushAsync();
            await Task.Delay(100);   // let the bytes leave before the reset, or the client may see fewer of them
            context.Abort();
            return;
        }
        await response.Body.WriteAsync(data.AsMemory((int)start));
    }

    // What git stores for an LFS file; its blob id is what the listing gives as blobId.
    private static byte[] LfsPointer(byte[] data)
        => Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{Sha256(data)}\nsize {data.Length}\n");
}
