using StarChat.Engine.Inference;
using StarChat.Evaluation.Backends;
using StarChat.Evaluation.CodeTasks;
using StarChat.Evaluation.Running;
using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.Tests.Backends;

/// <summary>The local backend over a scripted language model (no weights needed) and the real StarCoder tokenizer.</summary>
public class LocalBackendTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> s_tokenizer = new(() =>
        ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(SharedPaths.Fixtures("tiny-starchat")).Definition));

    /// <summary>Makes <c>script[i]</c> the argmax at generated position i, then end-of-text.</summary>
    private sealed class ScriptedModel(int vocab, int promptLength, int[] script) : ILanguageModel
    {
        private readonly int _promptLength = promptLength;
        private readonly int[] _script = script;

        public int VocabSize => vocab;

        public int ContextLength => 2048;

        public IInferenceSession CreateSession(int? capacity = null) => new Session(this, capacity ?? 2048);

        private sealed class Session(ScriptedModel model, int capacity) : IInferenceSession
        {
            public int Length { get; private set; }

            public int Capacity => capacity;

            public void Append(ReadOnlySpan<int> tokens, Span<float> logits)
            {
                Length += tokens.Length;
                int generated = Length - model._promptLength;
                int next = generated >= 0 && generated < model._script.Length ? model._script[generated] : 0;
                var row = logits[^model.VocabSize..];
                row.Fill(-5f);
                row[next] = 20f;
            }

            public void Truncate(int length) => Length = Math.Min(Length, length);

            public void Dispose()
            {
            }
        }
    }

    [Fact]
    public async Task CompleteAsync_ScriptedModel_StopsAtTheFirstStopString()
    {
        var tok = s_tokenizer.Value;
        const string prompt = "def return1():\n";
        using var backend = new LocalBackend(new ScriptedModel(tok.VocabSize, tok.Encode(prompt, false).Length, tok.Encode("    return 1\ndef other():\n    pass", false)), tok);
        var texts = await backend.CompleteAsync(new CompletionJob { Prompt = prompt, Count = 2, Temperature = 0, StopStrings = HumanEvalTask.HarnessStopWords });
        Assert.Equal(["    return 1", "    return 1"], texts);
    }

    [Fact]
    public async Task Evaluate_LocalBackendOnExampleProblem_PassesAndWritesSamples()
    {
        var tok = s_tokenizer.Value;
        var task = new HumanEvalTask { StripPrompt = true };
        var problems = task.LoadProblems(SharedPaths.Data("humaneval", "example_problem.jsonl"));
        string prompt = task.PromptFor(problems[0]);
        using var backend = new LocalBackend(new ScriptedModel(tok.VocabSize, tok.Encode(prompt, false).Length, tok.Encode("\n    return 1\n\nprint(return1())", false)), tok);
        using var folder = new TempFolder();
        var summary = await CodeEvaluation.RunAsync(new CodeEvaluationOptions
        {
            Task = task, Problems = problems, Runner = SharedSandbox.Python, OutputDirectory = folder.Path,
            Backend = backend, SamplesPerProblem = 2, Temperature = 0, Ks = [1, 2],
        });
        Assert.Equal(1.0, summary.PassAtK["pass@1"]);
        Assert.Equal(1.0, summary.PassAtK["pass@2"]);
        var samples = new JsonlFile(folder.File("samples.jsonl")).ReadAll<SampleInput>();
        Assert.All(samples, s => Assert.Equal("\n    return 1\n", s.Completion));
    }
}
