namespace StarChat.Training.Data;

/// <summary>How a dialogue is written out for training.</summary>
public enum DialogueFormat
{
    /// <summary>
    /// The StarChat dialogue template (<c>&lt;|system|&gt;</c>, <c>&lt;|user|&gt;</c>, <c>&lt;|assistant|&gt;</c>,
    /// <c>&lt;|end|&gt;</c>); every turn ends with <c>&lt;|end|&gt;</c>, so no end-of-text token is added.
    /// </summary>
    StarChat,

    /// <summary>
    /// Alpaca exchanges (<c>### Instruction:</c> / <c>### Response:</c>); the format has no end token, so
    /// <c>&lt;|endoftext|&gt;</c> is appended and learned, as Stanford Alpaca's training script does.
    /// </summary>
    Alpaca,
}
