namespace StarChat.Evaluation.LmEval.Data;

/// <summary>Where each task's files live under the data folder (the layout of <c>shared/data/lm-eval/</c>).</summary>
internal static class DataFiles
{
    /// <summary>Fails with a <see cref="DataFileException"/> naming the file when it does not exist.</summary>
    public static void RequireFile(string path)
    {
        if (!File.Exists(path))
            throw new DataFileException(path, 0, "file not found (is --data the lm-eval data folder?)");
    }
}
