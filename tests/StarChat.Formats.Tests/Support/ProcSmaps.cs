namespace StarChat.Formats.Tests.Support;

/// <summary>Lines of this process's <c>/proc/self/smaps</c> (Linux) for the mapping of a file.</summary>
internal static class ProcSmaps
{
    /// <summary>The first line starting with <paramref name="field"/> (e.g. <c>Rss:</c>) in the mapping of
    /// <paramref name="path"/>, without the field name.</summary>
    /// <exception cref="InvalidOperationException">The file is not mapped, or its mapping has no such line.</exception>
    public static string Field(string path, string field)
    {
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-'))
                inMapping = line.EndsWith(path, StringComparison.Ordinal);
            else if (inMapping && line.StartsWith(field, StringComparison.Ordinal))
                return line[field.Length..].Trim();
        }
        throw new InvalidOperationException($"{path} is not mapped, or its mapping has no {field} line");
    }
}
