using StarChat.Engine.Inference;

namespace StarChat.Generation.Tests;

/// <summary>
/// A stand-in language model whose next token is scripted: after the prompt it makes <c>script[i]</c> the clear
/// argmax at generated position i (then token <c>fallback</c>). Lets the generation loop be tested without weights.
/// </summary>
internal sealed class ScriptedModel(int vocabSize, int contextLength, int promptLength, int[] script, int fallback = 0) : ILanguageModel
{
    private readonly int _promptLength = promptLength;
    private readonly int[] _script = script;
    private readonly int _fallback = fallback;

    public int VocabSize => vocabSize;

    public int ContextLength => contextLength;

    public int Sessions { get; private set; }

    public IInferenceSession CreateSession(int? capacity = null)
    {
        Sessions++;
        return new Session(this, capacity ?? contextLength);
    }

    private sealed class Session(ScriptedModel model, int capacity) : IInferenceSession
    {
        public int Length { get; private set; }

        public int Capacity => capacity;

        public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
        {
            if (Length + tokens.Length > capacity)
                throw new ContextOverflowException(Length + tokens.Length, capacity);
            Length += tokens.Length;
            int generated = Length - model._promptLength;
            int next = generated >= 0 && generated < model._script.Length ? model._script[generated] : model._fallback;
            var row = logits[^model.VocabSize..];
            for (int i = 0; i < row.Length; i++)
                row[i] = -(i % 7);
            row[next] = 10f;
        }

        public void Truncate(int length) => Length = Math.Min(Length, length);

        public void Dispose()
        {
        }
    }
}
