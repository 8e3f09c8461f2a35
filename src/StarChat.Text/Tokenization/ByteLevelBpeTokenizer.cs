using System.Text;
using StarChat.Text.Chat;

namespace StarChat.Text.Tokenization;

/// <summary>
/// The StarCoder-family tokenizer: added tokens split out of the raw text (leftmost-longest), the StarCoder
/// pre-tokenizer (digits one by one, then the GPT-2 pattern over Unicode scalars), byte-level BPE, and byte-exact
/// decoding. Gives the ids Hugging Face <c>tokenizers</c> gives; no BOS/EOS is added. Thread-safe.
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    private readonly BpeModel _bpe;
    private readonly AddedTokenMatcher _rawAll, _normalizedAll, _rawPlain, _normalizedPlain;
    // Every token's bytes in one buffer, token i at [_tokenStarts[i], _tokenStarts[i + 1]): 49k small arrays were a
    // tenth of building the tokenizer.
    private readonly byte[] _tokenBytes;
    private readonly int[] _tokenStarts;
    private readonly string?[] _idToToken;
    private readonly AddedToken?[] _addedById;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly TokenizerDefinition _definition;

    private ByteLevelBpeTokenizer(TokenizerDefinition definition)
    {
        _definition = definition;
        if (definition.AddPrefixSpace && definition.PreTokenizer != PreTokenizerKind.Gpt2)
            throw new TokenizerFormatException(definition.Origin, "pre_tokenizer", "add_prefix_space is only supported with the plain GPT-2 ByteLevel pre-tokenizer");

        int vocabSize = definition.Tokens.Count;
        foreach (var t in definition.AddedTokens)
        {
            if (t.Id < 0)
                throw new TokenizerFormatException(definition.Origin, "added_tokens", $"token '{t.Content}' has negative id {t.Id}");
            vocabSize = Math.Max(vocabSize, t.Id + 1);
        }

        // One string → id map serves the BPE model's construction and then, with the added tokens, TokenToId.
        _tokenToId = BpeModel.Vocabulary(definition.Tokens);
        _bpe = new BpeModel(_tokenToId, definition.Tokens, definition.Merges, definition.IgnoreMerges, definition.UnkTokenId, definition.Origin);
        _idToToken = new string?[vocabSize];
        _addedById = new AddedToken?[vocabSize];
        for (int id = 0; id < definition.Tokens.Count; id++)
            _idToToken[id] = definition.Tokens[id];
        foreach (var t in definition.AddedTokens)
        {
            _addedById[t.Id] = t;
            _idToToken[t.Id] = t.Content;
            _tokenToId[t.Content] = t.Id;
        }
        (_tokenBytes, _tokenStarts) = PackTokenBytes(_idToToken, _addedById);

        var added = definition.AddedTokens;
        _rawAll = new AddedTokenMatcher(added.Where(t => !t.Normalized));
        _normalizedAll = new AddedTokenMatcher(added.Where(t => t.Normalized));
        _rawPlain = new AddedTokenMatcher(added.Where(t => !t.Normalized && !t.Special));
        _normalizedPlain = new AddedTokenMatcher(added.Where(t => t.Normalized && !t.Special));
    }

    // A byte-level token stands for one byte per character; an added token, or a vocabulary string outside the
    // byte-level alphabet, for its UTF-8 encoding.
    private static (byte[] Bytes, int[] Starts) PackTokenBytes(string?[] tokens, AddedToken?[] added)
    {
        var starts = new int[tokens.Length + 1];
        for (int id = 0; id < tokens.Length; id++)
        {
            string? token = tokens[id];
            int length = token is null ? 0
                : added[id] is null && ByteLevelAlphabet.IsByteLevel(token) ? token.Length
                : Encoding.UTF8.GetByteCount(token);
            starts[id + 1] = checked(starts[id] + length);
        }
        var bytes = new byte[starts[^1]];
        for (int id = 0; id < tokens.Length; id++)
        {
            var destination = bytes.AsSpan(starts[id], starts[id + 1] - starts[id]);
            if (tokens[id] is { } token && (added[id] is not null || !ByteLevelAlphabet.TryDecode(token, destination)))
                Encoding.UTF8.GetBytes(token, destination);
        }
        return (bytes, starts);
    }

    /// <summary>Builds a tokenizer from its definition.</summary>
    /// <exception cref="TokenizerFormatException">The definition is inconsistent (a merge outside the vocabulary, a bad id).</exception>
    public static ByteLevelBpeTokenizer Create(TokenizerDefinition definition) => new(definition);

    /// <summary>The definition this tokenizer was built from.</summary>
    public TokenizerDefinition Definition => _definition;

    /// <summary>Number of ids: one past the largest id of the vocabulary and the added tokens.</summary>
    public int VocabSize => _idToToken.Length;

    /// <summary>Number of BPE merges.</summary>
    public int MergeCount => _bpe.MergeCount;

    /// <summary>The added tokens (specials first as defined).</summary>
    public IReadOnlyList<AddedToken> AddedTokens => _definition.AddedTokens;

    /// <summary>End-of-sequence id, if defined.</summary>
    public int? EosTokenId => _definition.EosTokenId;

    /// <summary>Beginning-of-sequence id, if defined.</summary>
    public int? BosTokenId => _definition.BosTokenId;

    /// <summary>
    /// Encodes text. With <paramref name="parseSpecialTokens"/> true, special-token strings in the text become their
    /// ids (Hugging Face's default); false treats the text as plain (for untrusted input: a user who types
    /// <c>&lt;|end|&gt;</c> gets those characters). Non-special added tokens are always matched.
    /// </summary>
    public int[] Encode(string text, bool parseSpecialTokens = true)
    {
        var output = new List<int>(text.Length / 3 + 4);
        Encode(text.AsSpan(), output, parseSpecialTokens);
        return [.. output];
    }

    /// <summary>Encodes text, appending the ids to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output, bool parseSpecialTokens = true)
    {
        var state = new EncodeState(this, output, parseSpecialTokens);
        var raw = parseSpecialTokens ? _rawAll : _rawPlain;
        raw.Split(text, ref state, static (ref s, part) => s.Owner.EncodeNormalizedPass(part, ref s), static (ref s, token) => s.Output.Add(token.Id));
    }

    /// <summary>Encodes a prompt made of control and plain segments (see <see cref="PromptSegment"/>).</summary>
    public int[] Encode(IEnumerable<PromptSegment> segments)
    {
        var output = new List<int>();
        foreach (var s in segments)
            Encode(s.Text.AsSpan(), output, s.ParseSpecialTokens);
        return [.. output];
    }

    private void EncodeNormalizedPass(ReadOnlySpan<char> text, ref EncodeState state)
    {
        var matcher = state.ParseSpecial ? _normalizedAll : _normalizedPlain;
        if (matcher.IsEmpty)
        {
            EncodeText(text, state.Output);
            return;
        }
        matcher.Split(text, ref state, static (ref s, part) => s.Owner.EncodeText(part, s.Output), static (ref s, token) => s.Output.Add(token.Id));
    }

    private void EncodeText(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty)
            return;
        if (_definition.AddPrefixSpace && text[0] != ' ')
        {
            EncodeWords((" " + text.ToString()).AsSpan(), output);
            return;
        }
        EncodeWords(text, output);
    }

    private void EncodeWords(ReadOnlySpan<char> text, List<int> output)
    {
        var pre = new PreTokenizer(text, _definition.PreTokenizer);
        while (pre.MoveNext())
            _bpe.EncodeWord(text.Slice(pre.Start, pre.Length), output);
    }

    /// <summary>The pre-tokens (words) BPE sees for <paramref name="text"/>, without added-token splitting. For diagnostics and tests.</summary>
    public IReadOnlyList<string> PreTokenize(string text)
    {
        var words = new List<string>();
        var pre = new PreTokenizer(text, _definition.PreTokenizer);
        while (pre.MoveNext())
            words.Add(text.Substring(pre.Start, pre.Length));
        return words;
    }

    /// <summary>
    /// Decodes ids to text: all bytes first, then one UTF-8 decode with U+FFFD for invalid sequences (as Rust's
    /// <c>from_utf8_lossy</c>). No clean-up of spaces: code round-trips byte for byte.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
        => Encoding.UTF8.GetString(DecodeBytes(ids, skipSpecialTokens));

    /// <summary>Decodes ids to their raw bytes (which may end inside a UTF-8 character).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public byte[] DecodeBytes(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        int length = 0;
        foreach (int id in ids)
            length += Skip(id, skipSpecialTokens) ? 0 : TokenBytes(id).Length;
        var bytes = new byte[length];
        int at = 0;
        foreach (int id in ids)
        {
            if (Skip(id, skipSpecialTokens)) continue;
            var b = TokenBytes(id);
            b.CopyTo(bytes.AsSpan(at));
            at += b.Length;
        }
        return bytes;
    }

    private bool Skip(int id, bool skipSpecialTokens) => skipSpecialTokens && IsSpecial(id);

    /// <summary>The bytes one token stands for.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        if ((uint)id >= (uint)_idToToken.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary (0..{_idToToken.Length - 1})");
        return _tokenBytes.AsSpan(_tokenStarts[id], _tokenStarts[id + 1] - _tokenStarts[id]);
    }

    /// <summary>True when <paramref name="id"/> is a special (control) added token.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_addedById.Length && _addedById[id] is { Special: true };

    /// <summary>The added token with this id, or null.</summary>
    public AddedToken? AddedToken(int id) => (uint)id < (uint)_addedById.Length ? _addedById[id] : null;

    /// <summary>The vocabulary string of an id (byte-level form such as <c>Ġworld</c>, or an added token's content).</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>The id of a vocabulary string or added token content, or null.</summary>
    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out int id) ? id : null;

    private ref struct EncodeState(ByteLevelBpeTokenizer owner, List<int> output, bool parseSpecial)
    {
        public readonly ByteLevelBpeTokenizer Owner = owner;
        public readonly List<int> Output = output;
        public readonly bool ParseSpecial = parseSpecial;
    }
}
