using System.Globalization;

namespace StarChat.Generation.Conversion;

/// <summary><c>general.name</c> and <c>general.size_label</c> as gguf-py's metadata heuristics derive them for a plain model folder.</summary>
internal static class ModelNaming
{
    /// <summary>The folder (or file) name with separators as spaces, each word capitalised: <c>tiny-starchat</c> → <c>Tiny Starchat</c>.</summary>
    public static string FromPath(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        string stem = Directory.Exists(full) ? Path.GetFileName(full) : Path.GetFileNameWithoutExtension(full);
        var words = stem.Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Select(w => char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant()));
    }

    /// <summary>
    /// gguf-py's <c>model_weight_count_rounded_notation</c>: the count in K/M/B/T with at least two significant digits
    /// (3,266,880 → <c>3.3M</c>, 15.5e9 → <c>16B</c>).
    /// </summary>
    public static string SizeLabel(long parameters)
    {
        (double scaled, string suffix) = parameters switch
        {
            > 1_000_000_000_000 => (parameters * 1e-12, "T"),
            > 1_000_000_000 => (parameters * 1e-9, "B"),
            > 1_000_000 => (parameters * 1e-6, "M"),
            _ => (parameters * 1e-3, "K"),
        };
        // Python: fix = max(2 - len(str(round(scaled)).lstrip('0')), 0); round() is banker's rounding.
        string integral = Math.Round(scaled, MidpointRounding.ToEven).ToString(CultureInfo.InvariantCulture).TrimStart('0');
        int decimals = Math.Max(2 - integral.Length, 0);
        return scaled.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + suffix;
    }
}
