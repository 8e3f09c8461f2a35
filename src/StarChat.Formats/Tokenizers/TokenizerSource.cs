namespace StarChat.Formats.Tokenizers;

/// <summary>
/// Where a model's tokenizer comes from: GGUF metadata (<see cref="GgufTokenizerData"/>), Hugging Face files beside
/// the weights (<see cref="HuggingFaceTokenizerFiles"/>) or a legacy GGML vocabulary (<see cref="GgmlVocabulary"/>).
/// The tokenizer itself is built elsewhere (StarChat.Text); this is only its raw description.
/// </summary>
public abstract record TokenizerSource
{
    /// <summary>Size, special tokens and chat-template presence, read from the metadata.</summary>
    /// <exception cref="ModelFormatException">Tokenizer files that must be parsed for the summary are malformed.</exception>
    public abstract TokenizerSummary Summarize();
}
