using StarChat.Formats;
using StarChat.Formats.Gguf;
using StarChat.Formats.Tokenizers;
using StarChat.Text.Chat;
using StarChat.Text.Tokenization;

namespace StarChat.Generation.Text;

/// <summary>
/// A model's text side: its tokenizer, the tokenizer configuration (special tokens, chat template) and, for StarChat
/// checkpoints, the dialogue template saved beside the weights.
/// </summary>
/// <param name="Tokenizer">The tokenizer.</param>
/// <param name="Config">Special token strings and the chat template.</param>
/// <param name="Dialogue">The <c>dialogue_template.json</c> found beside the model, if any.</param>
/// <param name="Origin">Where the tokenizer was read from.</param>
public sealed record ModelTokenizer(ByteLevelBpeTokenizer Tokenizer, TokenizerConfig Config, DialogueTemplate? Dialogue, string Origin)
{
    /// <summary>The tokenizer of a model already opened (the one its file carries or that sits beside it), without reading the file again.</summary>
    /// <exception cref="FileNotFoundException">The model has no tokenizer.</exception>
    public static ModelTokenizer Of(LoadedModel files, string path)
    {
        ArgumentNullException.ThrowIfNull(files);
        return files.Tokenizer is { } source
            ? TokenizerSources.Create(source, path)
            : throw new FileNotFoundException($"{path}: no tokenizer (tokenizer.json, vocab.json + merges.txt, or GGUF tokenizer metadata)", path);
    }

    /// <summary>
    /// Loads the tokenizer of a model given as a folder, a <c>tokenizer.json</c> / <c>vocab.json</c>, or a GGUF file
    /// (its <c>tokenizer.ggml.*</c> metadata).
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing at that path, or a folder without tokenizer files.</exception>
    /// <exception cref="TokenizerFormatException">The tokenizer files are malformed or unsupported.</exception>
    public static ModelTokenizer Load(string path)
    {
        if (Directory.Exists(path))
        {
            if (!TokenizerFiles.Exists(path))
                throw new FileNotFoundException($"{path}: the model folder has no tokenizer (tokenizer.json, or vocab.json with merges.txt)", path);
            var (definition, config) = TokenizerFiles.Load(path);
            string dialoguePath = Path.Combine(path, "dialogue_template.json");
            var dialogue = File.Exists(dialoguePath) ? DialogueTemplate.Load(dialoguePath) : null;
            return new ModelTokenizer(ByteLevelBpeTokenizer.Create(definition), config, dialogue, path);
        }
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file or folder", path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".json")
        {
            var (definition, config) = TokenizerFiles.Load(path);
            return new ModelTokenizer(ByteLevelBpeTokenizer.Create(definition), config, null, path);
        }
        if (ModelFile.Detect(path) == ModelFormat.Gguf)
        {
            // Any GGUF with tokenizer metadata will do, vocabulary-only files and other architectures included.
            using var gguf = GgufFile.Open(path);
            var data = GgufTokenizerData.FromMetadata(path, gguf.Metadata)
                ?? throw new FileNotFoundException($"{path}: the GGUF file has no tokenizer.ggml.tokens", path);
            return TokenizerSources.FromGguf(data, path);
        }
        // Other model files (legacy GGML, safetensors/.bin): the tokenizer they carry or sit beside.
        using var model = ModelFile.Open(path);
        return model.Tokenizer is { } source
            ? TokenizerSources.Create(source, path)
            : throw new FileNotFoundException($"{path}: the model file carries no tokenizer and there is no tokenizer.json beside it", path);
    }
}
