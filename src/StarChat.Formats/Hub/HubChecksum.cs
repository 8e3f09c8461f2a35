using System.Security.Cryptography;
using System.Text;

namespace StarChat.Formats.Hub;

/// <summary>
/// Checks a downloaded file against its etag: an LFS file's etag is the sha256 of its contents (64 hex digits), a
/// file kept in git has its git blob id, <c>sha1("blob {size}\0" + contents)</c> (40 hex digits). Any other etag
/// is not a content hash, and only the size is checked.
/// </summary>
public static class HubChecksum
{
    /// <summary>The hash the etag implies, computed over the file; null when the etag is not a content hash.</summary>
    public static string? Compute(string path, string etag)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        if (IsHex(etag, 64))
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!IsHex(etag, 40))
            return null;
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        byte[] buffer = new byte[1 << 20];
        int n;
        while ((n = stream.Read(buffer)) > 0)
            sha1.AppendData(buffer, 0, n);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>Throws unless the file matches its etag and, when known, its size.</summary>
    /// <exception cref="HubException">Kind <see cref="HubErrorKind.Checksum"/>: the size or hash differs.</exception>
    public static void Verify(string path, string displayName, string etag, long? expectedSize)
    {
        long size = new FileInfo(path).Length;
        if (expectedSize is { } expected && size != expected)
            throw new HubException(HubErrorKind.Checksum, $"{displayName}: downloaded {size} bytes, expected {expected}; the partial file was discarded, run again");
        if (Compute(path, etag) is { } actual && !string.Equals(actual, etag, StringComparison.OrdinalIgnoreCase))
            throw new HubException(HubErrorKind.Checksum,
                $"{displayName}: checksum mismatch ({(etag.Length == 64 ? "sha256" : "git sha1")} {actual}, expected {etag}); the download was discarded, run again");
    }

    private static bool IsHex(string text, int length) => text.Length == length && text.All(char.IsAsciiHexDigit);
}
