namespace StarChat.Text.Tokenization;

/// <summary>
/// A token matched on the raw text before pre-tokenization (Hugging Face <c>added_tokens</c>; GGUF control and
/// user-defined tokens). StarCoder's 19 specials and StarChat's 4 chat tokens are all special and not normalized.
/// </summary>
/// <param name="Id">Token id.</param>
/// <param name="Content">The literal text.</param>
/// <param name="Special">Special (control) token: skipped by <c>skipSpecialTokens</c> decoding and not matched in plain-text mode.</param>
/// <param name="SingleWord">Only matches when not inside a word (Rust regex <c>\w</c> on either side).</param>
/// <param name="LStrip">Absorbs the whitespace on its left.</param>
/// <param name="RStrip">Absorbs the whitespace on its right.</param>
/// <param name="Normalized">Matched on the normalized text in a second pass (no normalizer here, so on the remaining pieces).</param>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special = true,
    bool SingleWord = false,
    bool LStrip = false,
    bool RStrip = false,
    bool Normalized = false);
