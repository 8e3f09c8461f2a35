namespace StarChat.Evaluation.LmEval.Data;

/// <summary>A task's data file is missing, unreadable or malformed; the message names the file and, where known, the line.</summary>
public sealed class DataFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> (line 1-based, 0 when the whole file is at fault).</summary>
    public DataFileException(string path, int line, string message, Exception? inner = null)
        : base(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}", inner)
    {
        FilePath = path;
        Line = line;
    }

    /// <summary>The data file.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line (or CSV record start line); 0 when not tied to a line.</summary>
    public int Line { get; }
}
