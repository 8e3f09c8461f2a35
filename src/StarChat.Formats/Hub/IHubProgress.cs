namespace StarChat.Formats.Hub;

/// <summary>Receives download progress, one file at a time (the CLI draws a bar or prints lines).</summary>
public interface IHubProgress
{
    /// <summary>A file download starts (or resumes from <paramref name="resumedFrom"/> bytes already on disk).</summary>
    void FileStarted(string path, long? totalBytes, long resumedFrom);

    /// <summary><paramref name="bytes"/> more bytes of <paramref name="path"/> arrived.</summary>
    void BytesReceived(string path, long bytes);

    /// <summary>The file is downloaded and verified.</summary>
    void FileFinished(string path);
}
