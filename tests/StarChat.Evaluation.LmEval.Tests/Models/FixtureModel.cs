using StarChat.Engine.Models.GptBigCode;
using StarChat.Generation;
using StarChat.Testing;
using StarChat.Text.Tokenization;

namespace StarChat.Evaluation.LmEval.Tests.Models;

/// <summary>TEST HELPER: the tiny-starchat fixture loaded once per test run; models are created over its weights.</summary>
internal static class FixtureModel
{
    // Kept open for the test run: every model created here points into its mapped weights.
    private static readonly Lazy<LocalModel> s_tiny = new(() => LocalModel.Load(SharedPaths.Fixtures("tiny-starchat"), new ModelOptions { Threads = 1 }));

    public static ByteLevelBpeTokenizer Tokenizer => s_tiny.Value.Text.Tokenizer;

    public static GptBigCodeWeights Weights => s_tiny.Value.Model.Weights;

    /// <summary>A fresh model over the shared weights (each has its own scratch and thread pool).</summary>
    public static GptBigCodeModel CreateModel(int threads = 0) => new(Weights, new ModelOptions { Threads = threads });
}
