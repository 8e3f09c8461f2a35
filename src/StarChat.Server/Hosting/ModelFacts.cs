using StarChat.Engine.Models.GptBigCode;

namespace StarChat.Server.Hosting;

/// <summary>Numbers about a model that clients like to see (llama.cpp's <c>/v1/models</c> <c>meta</c>).</summary>
internal static class ModelFacts
{
    /// <summary>Parameters of a GPTBigCode model from its shape (the output head tied to the embedding unless not).</summary>
    public static long ParameterCount(GptBigCodeConfig c)
    {
        long d = c.EmbeddingSize, q = c.QkvSize, f = c.FeedForwardSize;
        long perLayer = 4 * d            // ln_1, ln_2 weight and bias
            + d * q + q                  // c_attn
            + d * d + d                  // attn.c_proj
            + d * f + f                  // mlp.c_fc
            + f * d + d;                 // mlp.c_proj
        long head = c.TieWordEmbeddings ? 0 : (long)c.VocabSize * d;
        return (long)c.VocabSize * d + (long)c.ContextLength * d + c.LayerCount * perLayer + 2 * d + head;
    }
}
