namespace StarChat.Server.Scheduling;

/// <summary>
/// A reply's text as it streams. For chat replies the leading whitespace is dropped (a StarChat reply starts with the
/// newline after <c>&lt;|assistant|&gt;</c>; the training code strips it too), even when it arrives over several chunks.
/// </summary>
public sealed class ReplyText(bool trimStart)
{
    private bool _trimming = trimStart;
    private readonly System.Text.StringBuilder _all = new();

    /// <summary>Everything accepted so far.</summary>
    public string Text => _all.ToString();

    /// <summary>Takes the next chunk; returns what to show of it.</summary>
    public string Push(string chunk)
    {
        if (_trimming)
        {
            chunk = chunk.TrimStart();
            _trimming = chunk.Length == 0;
        }
        _all.Append(chunk);
        return chunk;
    }
}
