using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Training.Tests.Data;

/// <summary>The tiny fixture model's tokenizer (StarCoder's vocabulary plus the four StarChat tokens).</summary>
internal static class TestTokenizer
{
    private static readonly Lazy<ByteLevelBpeTokenizer> s_starChat = new(() =>
        ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(SharedPaths.Fixtures("tiny-starchat")).Definition));

    public static ByteLevelBpeTokenizer StarChat => s_starChat.Value;

    /// <summary>The fixture's masking rule on ids: −100 from each &lt;|user|&gt; up to, not including, the next &lt;|assistant|&gt;.</summary>
    public static int[] MaskByIds(int[] ids)
    {
        var labels = (int[])ids.Clone();
        bool masked = false;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] == 49153) masked = true;
            else if (ids[i] == 49154) masked = false;
            if (masked) labels[i] = -100;
        }
        return labels;
    }
}
