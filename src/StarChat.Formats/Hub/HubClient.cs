using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace StarChat.Formats.Hub;

/// <summary>
/// The few Hub endpoints a download needs: the revision listing, the file metadata (HEAD) and the file itself, which
/// for LFS files is a redirect to a CDN. Redirects are followed here, not by the handler, so the token is sent only
/// to the Hub's own host, never to the CDN a signed URL points at.
/// </summary>
public sealed class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _http;
    private readonly HubSettings _settings;

    /// <summary>Creates a client for <paramref name="settings"/>' endpoint and token.</summary>
    /// <param name="settings">Endpoint and token.</param>
    /// <param name="handler">The HTTP handler (tests); one that does not follow redirects itself.</param>
    public HubClient(HubSettings settings, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
        }, disposeHandler: true)
        {
            // Downloads may take hours; the metadata calls carry their own timeout.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("starchat.net/1.0");
    }

    /// <summary>How long a metadata call may take before the Hub counts as unreachable (Python's etag_timeout).</summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true</c>: the commit and its files.</summary>
    /// <exception cref="HubException">Access denied, not found, or the server answered something else.</exception>
    /// <exception cref="HttpRequestException">The Hub could not be reached.</exception>
    public async Task<HubRepoInfo> GetRevisionAsync(string repoId, string revision, CancellationToken ct = default)
    {
        var url = new Uri($"{_settings.Endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(MetadataTimeout);
        using var response = await SendAsync(HttpMethod.Get, url, null, followCrossHost: false, timeout.Token).ConfigureAwait(false);
        EnsureSuccess(response, repoId, revision, null);
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false), default, timeout.Token).ConfigureAwait(false);
        var root = doc.RootElement;
        string commit = root.TryGetProperty("sha", out var sha) && sha.GetString() is { } s && HubModelId.IsCommitHash(s)
            ? s
            : throw new HubException(HubErrorKind.Protocol, $"{url}: the answer has no commit hash ('sha')");
        var files = new List<HubFileEntry>();
        if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
        {
            foreach (var sibling in siblings.EnumerateArray())
            {
                if (!sibling.TryGetProperty("rfilename", out var name) || name.GetString() is not { Length: > 0 } path)
                    continue;
                long? size = sibling.TryGetProperty("size", out var sz) && sz.TryGetInt64(out long n) ? n : null;
                string? blobId = sibling.TryGetProperty("blobId", out var b) ? b.GetString() : null;
                string? lfs = sibling.TryGetProperty("lfs", out var l) && l.ValueKind == JsonValueKind.Object && l.TryGetProperty("sha256", out var h) ? h.GetString() : null;
                files.Add(new HubFileEntry(path, size, blobId, lfs));
            }
        }
        return new HubRepoInfo(repoId, commit, files);
    }

    /// <summary>
    /// <c>HEAD {endpoint}/{repo}/resolve/{revision}/{path}</c>, following only redirects within the Hub (a renamed
    /// repository), as Python's <c>get_hf_file_metadata</c> does: an LFS file answers with a redirect whose headers
    /// carry the sha256 etag and size.
    /// </summary>
    /// <exception cref="HubException">Access denied or not found.</exception>
    /// <exception cref="HttpRequestException">The Hub could not be reached.</exception>
    public async Task<HubFileMetadata> GetFileMetadataAsync(string repoId, string revision, string path, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(MetadataTimeout);
        using var response = await SendAsync(HttpMethod.Head, ResolveUrl(repoId, revision, path), null, followCrossHost: false, timeout.Token).ConfigureAwait(false);
        if (!IsRedirect(response.StatusCode))
            EnsureSuccess(response, repoId, revision, path);
        string? etag = Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag");
        long? size = long.TryParse(Header(response, "X-Linked-Size"), out long linked) ? linked : response.Content.Headers.ContentLength;
        return new HubFileMetadata(Header(response, "X-Repo-Commit"), NormalizeEtag(etag), size);
    }

    /// <summary>
    /// <c>GET {endpoint}/{repo}/resolve/{commit}/{path}</c> from byte <paramref name="offset"/> (a Range request when
    /// above zero), following the LFS redirect. The caller reads <see cref="HubDownload.Content"/>; a server that
    /// ignores the range answers from byte 0, which <see cref="HubDownload.Offset"/> reports.
    /// </summary>
    /// <exception cref="HubException">Access denied or not found.</exception>
    /// <exception cref="HttpRequestException">The Hub or the CDN could not be reached.</exception>
    public async Task<HubDownload> DownloadAsync(string repoId, string commit, string path, long offset, CancellationToken ct = default)
    {
        var response = await SendAsync(HttpMethod.Get, ResolveUrl(repoId, commit, path), offset > 0 ? new RangeHeaderValue(offset, null) : null, followCrossHost: true, ct).ConfigureAwait(false);
        try
        {
            if (offset > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                return new HubDownload(response, Stream.Null, offset, offset);
            EnsureSuccess(response, repoId, commit, path);
            long start = response.StatusCode == HttpStatusCode.PartialContent ? response.Content.Headers.ContentRange?.From ?? 0 : 0;
            long? total = response.Content.Headers.ContentRange?.Length
                ?? (response.Content.Headers.ContentLength is { } length ? start + length : null);
            var content = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return new HubDownload(response, content, start, total);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Releases the connections.</summary>
    public void Dispose() => _http.Dispose();

    /// <summary>huggingface_hub's <c>_normalize_etag</c>: drops a weak-validator <c>W/</c> prefix and the quotes.</summary>
    public static string? NormalizeEtag(string? etag)
        => etag is null ? null : (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');

    private Uri ResolveUrl(string repoId, string revision, string path)
        => new($"{_settings.Endpoint}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, RangeHeaderValue? range, bool followCrossHost, CancellationToken ct)
    {
        var hubHost = new Uri(_settings.Endpoint).Authority;
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            // The token goes to the Hub only: a redirect to another host is a signed CDN URL that must not see it.
            if (_settings.Token is { } token && url.Authority == hubHost)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Range = range;
            // Sizes and checksums are of the stored bytes; never let a proxy compress them (Python sends the same).
            request.Headers.AcceptEncoding.ParseAdd("identity");
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
                return response;
            var next = location.IsAbsoluteUri ? location : new Uri(url, location);
            if ((!followCrossHost && next.Authority != url.Authority) || hop >= MaxRedirects)
                return response;
            response.Dispose();
            url = next;
        }
    }

    private static bool IsRedirect(HttpStatusCode code) => (int)code is 301 or 302 or 303 or 307 or 308;

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    private void EnsureSuccess(HttpResponseMessage response, string repoId, string revision, string? path)
    {
        if (response.IsSuccessStatusCode)
            return;
        int status = (int)response.StatusCode;
        string? code = Header(response, "X-Error-Code");
        string? serverMessage = Header(response, "X-Error-Message");
        string what = path is null ? $"{repoId}@{revision}" : $"{repoId}@{revision}: {path}";
        string tokenState = _settings.Token is null ? "HF_TOKEN is not set" : "the HF_TOKEN given has no access";
        throw (status, code) switch
        {
            (401 or 403, "GatedRepo") => new HubException(HubErrorKind.AccessDenied,
                $"{repoId} is a gated model ({tokenState}): accept its conditions at {_settings.Endpoint}/{repoId}, then set HF_TOKEN to a token of that account", status),
            (401 or 403 or 404, "RepoNotFound") or (401, _) => new HubException(status == 404 ? HubErrorKind.NotFound : HubErrorKind.AccessDenied,
                $"{repoId}: repository not found, or private ({tokenState}; set HF_TOKEN to a token with read access) (HTTP {status})", status),
            (403, _) => new HubException(HubErrorKind.AccessDenied, $"{what}: access denied ({tokenState}) (HTTP 403{Detail(serverMessage)})", status),
            (404, "RevisionNotFound") => new HubException(HubErrorKind.NotFound, $"{repoId}: revision '{revision}' not found (a branch, tag or full commit hash)", status),
            (404, "EntryNotFound") => new HubException(HubErrorKind.NotFound, $"{what}: file not found in the repository", status),
            (404, _) => new HubException(HubErrorKind.NotFound, $"{what}: not found (repository, revision or file) (HTTP 404{Detail(serverMessage)})", status),
            _ => new HubException(HubErrorKind.Protocol, $"{what}: HTTP {status} {response.ReasonPhrase}{Detail(serverMessage)}", status),
        };
    }

    private static string Detail(string? message) => message is null ? "" : $": {message}";
}

/// <summary>An open file download; dispose it when read.</summary>
/// <param name="Response">The response that owns the stream.</param>
/// <param name="Content">The bytes from <see cref="Offset"/> on.</param>
/// <param name="Offset">The byte the content starts at: the requested offset when the range was honoured, else 0.</param>
/// <param name="TotalLength">The whole file's length, when the server says.</param>
public sealed record HubDownload(HttpResponseMessage Response, Stream Content, long Offset, long? TotalLength) : IDisposable
{
    /// <summary>Closes the stream and the response.</summary>
    public void Dispose()
    {
        Content.Dispose();
        Response.Dispose();
    }
}
