using System.Text;
using StarChat.Engine.Inference;
using StarChat.Generation;
using StarChat.Generation.Sampling;
using StarChat.Text.Chat;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.Backends;

/// <summary>
/// Generates with a model in this process through <see cref="TextGenerator"/>. Samples run one after another (the
/// model parallelises each step internally). Chat requests are rendered with <paramref name="chatFormat"/> and stop
/// at the format's end-of-turn; completions stop at the tokenizer's end-of-text token and the job's stop strings.
/// </summary>
/// <param name="model">The model.</param>
/// <param name="tokenizer">Its tokenizer.</param>
/// <param name="chatFormat">Chat format for chat jobs.</param>
/// <param name="name">Name shown in reports.</param>
/// <param name="owner">Disposed with the backend (e.g. the loaded model files).</param>
public sealed class LocalBackend(ILanguageModel model, ByteLevelBpeTokenizer tokenizer, IChatFormat? chatFormat = null, string name = "local", IDisposable? owner = null)
    : ICompletionBackend, IChatBackend, IDisposable
{
    private readonly TextGenerator _generator = new(model, tokenizer);
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <inheritdoc cref="ICompletionBackend.Description"/>
    public string Description => $"local:{name}";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionJob job, CancellationToken cancellationToken = default)
    {
        int[] prompt = tokenizer.Encode(job.Prompt, parseSpecialTokens: false);
        var results = new List<string>(job.Count);
        for (int i = 0; i < job.Count; i++)
            results.Add(await GenerateAsync(prompt, Sampling(job.Temperature, job.TopP, job.TopK, job.MaxNewTokens, job.Seed is { } s ? s + i : null),
                job.StopStrings, EndOfText(), cancellationToken).ConfigureAwait(false));
        return results;
    }

    /// <inheritdoc/>
    public Task<string> ChatAsync(ChatJob job, CancellationToken cancellationToken = default)
    {
        var format = chatFormat ?? throw new InvalidOperationException("this local backend has no chat format");
        int[] prompt = tokenizer.Encode(format.Render(job.Messages, addGenerationPrompt: true));
        var stopIds = new List<int>(EndOfText());
        foreach (var stop in format.StopStrings)
            if (tokenizer.TokenToId(stop) is { } id) stopIds.Add(id);
        return GenerateAsync(prompt, Sampling(job.Temperature, 1.0, 0, job.MaxNewTokens, job.Seed), format.StopStrings, stopIds, cancellationToken);
    }

    private IReadOnlyList<int> EndOfText() => tokenizer.EosTokenId is { } eos ? [eos] : [];

    internal static SamplingOptions Sampling(double temperature, double topP, int topK, int maxNewTokens, int? seed)
        => temperature <= 0
            ? SamplingOptions.Greedy with { MaxNewTokens = maxNewTokens }
            : new SamplingOptions
            {
                DoSample = true,
                Temperature = (float)temperature,
                TopP = topP < 1 ? (float)topP : null,
                TopK = topK > 0 ? topK : null,
                MaxNewTokens = maxNewTokens,
                Seed = seed,
            };

    private async Task<string> GenerateAsync(int[] prompt, SamplingOptions sampling, IReadOnlyList<string> stops, IReadOnlyList<int> stopIds, CancellationToken cancellationToken)
    {
        // The generator drives one session at a time; the model itself uses every core.
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var request = new GenerationRequest { PromptIds = prompt, Sampling = sampling, StopStrings = stops, StopTokenIds = stopIds };
            var text = new StringBuilder();
            await Task.Run(() =>
            {
                foreach (var step in _generator.Stream(request, cancellationToken: cancellationToken))
                    text.Append(step.Text);
            }, cancellationToken).ConfigureAwait(false);
            return text.ToString();
        }
        finally
        {
            _one.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _one.Dispose();
        owner?.Dispose();
    }
}
