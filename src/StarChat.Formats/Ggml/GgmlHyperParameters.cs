namespace StarChat.Formats.Ggml;

/// <summary>The header of a legacy GGML starcoder file (formats.md §8.1), all int32.</summary>
/// <param name="VocabSize">n_vocab.</param>
/// <param name="ContextLength">n_ctx (rows of <c>model/wpe</c>).</param>
/// <param name="EmbeddingSize">n_embd.</param>
/// <param name="HeadCount">n_head.</param>
/// <param name="LayerCount">n_layer.</param>
/// <param name="FileTypeRaw">ftype as stored: quantization version × 1000 + file type.</param>
public sealed record GgmlHyperParameters(int VocabSize, int ContextLength, int EmbeddingSize, int HeadCount, int LayerCount, int FileTypeRaw)
{
    /// <summary><c>ftype % 1000</c>: ggml's <c>ggml_ftype</c> (0 ALL_F32, 1 MOSTLY_F16, 2 Q4_0, ...).</summary>
    public int FileType => FileTypeRaw % 1000;

    /// <summary><c>ftype / 1000</c>: ggml's quantization format version (0 for converter output, 2 since 2023-05-20).</summary>
    public int QuantizationVersion => FileTypeRaw / 1000;
}
