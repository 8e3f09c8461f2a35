using System.Text.RegularExpressions;

namespace StarChat.Formats.Hub;

/// <summary>
/// A model on the Hub as the command line names it: <c>org/name</c>, <c>org/name@revision</c> (a branch, tag or
/// commit hash; it may itself contain slashes, as in <c>refs/pr/1</c>), or one GGUF file of a repository,
/// <c>org/name/path/file.gguf[@revision]</c>.
/// </summary>
/// <param name="RepoId"><c>org/name</c>.</param>
/// <param name="Revision">Branch, tag or 40-hex commit; <c>main</c> when not given.</param>
/// <param name="FileName">The one GGUF file to fetch (a repository-relative path), or null for a whole HF model folder.</param>
public sealed partial record HubModelId(string RepoId, string Revision, string? FileName)
{
    /// <summary>The branch used when no revision is given.</summary>
    public const string DefaultRevision = "main";

    /// <summary>Parses the forms above; false for anything else (absolute paths, one-segment names, <c>a/b/c</c> that is not a .gguf).</summary>
    public static bool TryParse(string text, out HubModelId? id)
    {
        id = null;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        string revision = DefaultRevision;
        int at = text.IndexOf('@', StringComparison.Ordinal);
        string name = text;
        if (at >= 0)
        {
            revision = text[(at + 1)..];
            name = text[..at];
            if (revision.Length == 0 || revision.Contains("..", StringComparison.Ordinal) || revision.StartsWith('/') || revision.EndsWith('/'))
                return false;
        }
        string[] parts = name.Split('/');
        if (parts.Length < 2 || !RepoPart().IsMatch(parts[0]) || !RepoPart().IsMatch(parts[1]))
            return false;
        string? file = null;
        if (parts.Length > 2)
        {
            if (parts[2..].Any(p => p.Length == 0 || p is "." or "..") || !parts[^1].EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                return false;
            file = string.Join('/', parts[2..]);
        }
        id = new HubModelId($"{parts[0]}/{parts[1]}", revision, file);
        return true;
    }

    /// <summary>Parses or throws.</summary>
    /// <exception cref="ArgumentException">Not of the form <c>org/name[/file.gguf][@revision]</c>.</exception>
    public static HubModelId Parse(string text)
        => TryParse(text, out var id) ? id! : throw new ArgumentException($"'{text}' is not a Hub model id (org/name[/file.gguf][@revision])", nameof(text));

    /// <summary>True when <see cref="Revision"/> is a full commit hash (so it never moves and needs no ref).</summary>
    public bool IsCommit => CommitHash().IsMatch(Revision);

    /// <summary><c>org/name[/file][@revision]</c>.</summary>
    public override string ToString() => $"{RepoId}{(FileName is null ? "" : "/" + FileName)}@{Revision}";

    internal static bool IsCommitHash(string text) => CommitHash().IsMatch(text);

    // Hub repo and organisation names: letters, digits, '-', '_' and '.', starting with a letter or digit.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex RepoPart();

    // huggingface_hub's REGEX_COMMIT_HASH.
    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
