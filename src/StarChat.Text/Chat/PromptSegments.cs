using System.Text;

namespace StarChat.Text.Chat;

/// <summary>Helpers over lists of <see cref="PromptSegment"/>.</summary>
public static class PromptSegments
{
    /// <summary>The prompt as one string, as a person would read it (trust levels dropped).</summary>
    public static string Concat(IEnumerable<PromptSegment> segments)
    {
        var sb = new StringBuilder();
        foreach (var s in segments)
            sb.Append(s.Text);
        return sb.ToString();
    }
}
