using System.Runtime.InteropServices;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.LmEval.Scoring;

/// <summary>
/// One sequence of the harness's <c>greedy_until</c> (hf-causal-experimental): the prompt's last
/// <c>max_length − max_gen_toks</c> tokens, arg-max tokens until an EOS id, a stop string (its criterion decodes the
/// last as many generated tokens as the string has, special tokens kept) or <c>max_gen_toks</c>; then the output is
/// sliced at the untruncated prompt length, decoded without special tokens and cut before each stop string.
/// The model is driven by the caller (one sequence, or several in one batched pass), which feeds each logit row to
/// <see cref="Step"/>.
/// </summary>
internal sealed class GreedyGeneration
{
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly GenerationInput _input;
    private readonly (string Text, int Tokens)[] _stops;
    private readonly HashSet<int> _eos;
    private readonly List<int> _generated = [];
    private string? _reason;

    public GreedyGeneration(GenerationInput input, ByteLevelBpeTokenizer tokenizer, IReadOnlyList<int> eosTokenIds, int maxLength)
    {
        int budget = maxLength - input.MaxNewTokens;
        if (budget < 1)
            throw new LmEvalException($"max_gen_toks {input.MaxNewTokens} leaves no room for the prompt in max_length {maxLength}");
        if (input.PromptIds.Length == 0)
            throw new LmEvalException("the generation prompt is empty");
        _input = input;
        _tokenizer = tokenizer;
        _eos = [.. eosTokenIds];
        Dropped = Math.Max(0, input.PromptIds.Length - budget);
        _stops = [.. input.StopStrings.Select(s => (s, Math.Max(1, tokenizer.Encode(s).Length)))];
    }

    /// <summary>Prompt tokens dropped on the left.</summary>
    public int Dropped { get; }

    /// <summary>The tokens the model is given.</summary>
    public ReadOnlySpan<int> Prompt => _input.PromptIds.AsSpan(Dropped);

    /// <summary>Tokens the sequence can reach (prompt plus generation).</summary>
    public int Capacity => Prompt.Length + _input.MaxNewTokens;

    /// <summary>True once generation has ended.</summary>
    public bool IsDone => _reason is not null;

    /// <summary>The token chosen by the last <see cref="Step"/>, to feed back to the model.</summary>
    public int LastToken => _generated[^1];

    /// <summary>Takes the arg-max of <paramref name="logits"/>; returns false when generation ends with it.</summary>
    public bool Step(ReadOnlySpan<float> logits)
    {
        int token = LogProbRow.ArgMax(logits);
        _generated.Add(token);
        if (_eos.Contains(token))
            _reason = "eos";
        else if (StopCriterion() is { } stop)
            _reason = $"stopping criterion '{stop}'";
        else if (_generated.Count >= _input.MaxNewTokens)
            _reason = "max_new_tokens";
        return _reason is null;
    }

    /// <summary>The harness's response and what led to it.</summary>
    public GenerationOutput Finish()
    {
        // LE-PIN slices the output at the untruncated prompt length, so a truncated prompt loses as many generated
        // tokens as it lost prompt tokens (fixtures README §4.4); reproduced because the harness scored that text.
        var kept = _generated.Skip(Dropped).ToArray();
        string response = _tokenizer.Decode(kept, skipSpecialTokens: true);
        foreach (string stop in _input.StopStrings)
        {
            int at = response.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0) response = response[..at];
        }
        return new GenerationOutput(response, [.. _generated], _reason ?? "unfinished", Prompt.Length, Dropped);
    }

    private string? StopCriterion()
    {
        var generated = CollectionsMarshal.AsSpan(_generated);
        foreach (var (text, tokens) in _stops)
        {
            string tail = _tokenizer.Decode(generated[^Math.Min(tokens, generated.Length)..]);
            if (tail.Contains(text, StringComparison.Ordinal))
                return text;
        }
        return null;
    }
}
