using StarChat.Engine.Inference;

namespace StarChat.Evaluation.LmEval.Tests.Models;

/// <summary>TEST HELPER: a model wrapper counting the tokens its sessions evaluate.</summary>
internal sealed class CountingModel(ILanguageModel inner) : ILanguageModel
{
    private long _tokens;

    public long TokensEvaluated => Interlocked.Read(ref _tokens);

    public int VocabSize => inner.VocabSize;

    public int ContextLength => inner.ContextLength;

    public IInferenceSession CreateSession(int? capacity = null) => new Session(this, inner.CreateSession(capacity));

    private sealed class Session(CountingModel owner, IInferenceSession inner) : IInferenceSession
    {
        public int Length => inner.Length;

        public int Capacity => inner.Capacity;

        public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
        {
            inner.Append(tokens, logits);
            Interlocked.Add(ref owner._tokens, tokens.Length);
        }

        public void Truncate(int length) => inner.Truncate(length);

        public void Dispose() => inner.Dispose();
    }
}
