using System.Xml.Linq;
using StarChat.Formats.Safetensors;
using StarChat.Testing;
using StarChat.Training.Data;
using StarChat.Training.FineTuning;
using StarChat.Training.Lora;
using StarChat.Training.Optimization;
using StarChat.Training.Tests.Data;

namespace StarChat.Training.Tests.FineTuning;

/// <summary>Short runs of the whole loop on the tiny fixture model and a few OASST dialogues cut to 64 tokens.</summary>
public sealed class FineTunerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public FineTunerTests()
    {
        string input = _temp.File("dialogues.jsonl");
        File.WriteAllLines(input, File.ReadLines(SharedPaths.Data("oasst", "en_100_messages.derived.jsonl")).Take(10));
        DatasetPreparation.Run(new DataPreparationOptions { InputPath = input, OutputFolder = DataFolder, BlockSize = 64, TestSplit = 0.2 }, TestTokenizer.StarChat);
    }

    private string DataFolder => _temp.File("data");

    public void Dispose() => _temp.Dispose();

    private FineTuneOptions Options(string output) => new()
    {
        ModelPath = ModelFactory.TinyStarChatPath,
        DataFolder = DataFolder,
        OutputFolder = _temp.File(output),
        LearningRate = 1e-3,
        Epochs = 3,
        BatchSize = 4,
        GradientAccumulation = 1,
        WarmupRatio = 0,
        Scheduler = SchedulerKind.Constant,
        Threads = 2,
        Lora = new LoraSettings { Dropout = 0.05 },
    };

    [Fact]
    public void Run_FewSteps_LossFallsAndThePeftAdapterAndCurveAreWritten()
    {
        var progress = new RecordingProgress();
        var result = FineTuner.Run(Options("run"), progress);

        var losses = result.Log.Where(l => l.Loss is not null).Select(l => l.Loss!.Value).ToList();
        Assert.Equal(6, losses.Count);            // 8 training dialogues, batches of 4, 3 epochs
        Assert.True(losses[^1] < losses[0] - 0.1, $"training loss did not fall: {string.Join(", ", losses)}");
        var eval = result.Log.Where(l => l.EvalLoss is not null).Select(l => l.EvalLoss!.Value).ToList();
        Assert.Equal(3, eval.Count);
        Assert.True(eval[^1] < eval[0], $"test loss did not fall: {string.Join(", ", eval)}");
        Assert.Equal(6, progress.Steps.Count);
        Assert.Equal(new TrainingPlan(TotalSteps: 6, StepsPerEpoch: 2, TrainExamples: 8, TestExamples: 2, TrainableParameters: 14848, StartStep: 0), progress.Plan);
        Assert.All(progress.Steps, s => Assert.True(s.TokensPerSecond > 0));

        var adapter = PeftAdapter.Load(result.OutputFolder);
        Assert.Equal(8, adapter.Modules.Count);
        Assert.Contains(adapter.Modules.Values, m => m.B.Any(v => v != 0));
        Assert.True(Directory.Exists(Path.Combine(result.OutputFolder, "checkpoint-6")));
        var svg = XDocument.Parse(File.ReadAllText(result.LossCurve));
        Assert.Single(svg.Descendants(), e => e.Name.LocalName == "polyline");
        Assert.Equal(3 + 1, svg.Descendants().Count(e => e.Name.LocalName == "circle"));   // three evaluations and the legend
        Assert.Equal(6, TrainerState.Read(Path.Combine(result.OutputFolder, "trainer_state.json")).GlobalStep);
    }

    [Fact]
    public void Run_ResumedFromCheckpoint_EndsWithTheSameAdapterBytes()
    {
        // Resumed mid-epoch (step 1 of 2) and run across the epoch boundary, where the data order is reshuffled.
        var straight = FineTuner.Run(Options("straight") with { Epochs = 2, SaveSteps = 1 });
        var resumed = FineTuner.Run(Options("resumed") with { Epochs = 2, SaveSteps = 1, ResumeFrom = Path.Combine(straight.OutputFolder, "checkpoint-1") });

        Assert.Equal(File.ReadAllBytes(Path.Combine(straight.OutputFolder, "adapter_model.safetensors")), File.ReadAllBytes(Path.Combine(resumed.OutputFolder, "adapter_model.safetensors")));
        Assert.Equal(straight.Log.Select(l => l.Loss), resumed.Log.Select(l => l.Loss));
    }

    [Fact]
    public void Run_ResumeWithOtherBatchSize_ThrowsNamingTheSetting()
    {
        var first = FineTuner.Run(Options("first") with { MaxSteps = 1 });

        var e = Assert.Throws<InvalidDataException>(() => FineTuner.Run(Options("second") with { MaxSteps = 1, BatchSize = 2, ResumeFrom = Path.Combine(first.OutputFolder, "checkpoint-1") }));
        Assert.Contains("--batch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_LearningRateThatBlowsUp_StopsWithDivergenceAndKeepsEarlierCheckpoints()
    {
        var options = Options("diverge") with { LearningRate = 1e30, SaveSteps = 1 };

        var e = Assert.Throws<TrainingDivergedException>(() => FineTuner.Run(options));

        Assert.Equal(2, e.Step);
        Assert.Equal(Path.Combine(options.OutputFolder, "checkpoint-1"), e.LastCheckpoint);
        Assert.Contains("diverged at step 2", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(e.LastCheckpoint!, "adapter_model.safetensors")));
        Assert.False(Directory.Exists(Path.Combine(options.OutputFolder, "checkpoint-2")));
    }

    [Fact]
    public void Run_UnknownTargetModule_ThrowsBeforeTraining()
    {
        var options = Options("bad-target") with { Lora = new LoraSettings { TargetModules = ["c_attn", "q_proj"] } };

        var e = Assert.Throws<ArgumentException>(() => FineTuner.Run(options));
        Assert.Contains("'q_proj'", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.OutputFolder));
    }

    [Fact]
    public void Run_FullFineTuningOfOneTensor_WritesItWithoutAnAdapter()
    {
        var options = Options("full") with { Lora = null, FullTensors = ["transformer.ln_f.weight"], MaxSteps = 2 };

        var result = FineTuner.Run(options);

        Assert.False(File.Exists(Path.Combine(result.OutputFolder, "adapter_model.safetensors")));
        using var file = SafetensorsFile.Open(Path.Combine(result.OutputFolder, "trained_tensors.safetensors"));
        Assert.Equal(["transformer.ln_f.weight"], file.Tensors.Select(t => t.Name));
        Assert.Equal(2, result.Steps);
    }

    [Fact]
    public void Run_UnknownFullTensor_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => FineTuner.Run(Options("x") with { FullTensors = ["transformer.h.9.ln_1.weight"] }));
        Assert.Contains("transformer.h.9.ln_1.weight", e.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingProgress : ITrainingProgress
    {
        public TrainingPlan? Plan { get; private set; }

        public List<StepReport> Steps { get; } = [];

        public void Started(TrainingPlan plan) => Plan = plan;

        public void Stepped(StepReport report) => Steps.Add(report);

        public void Evaluated(int epoch, int step, double loss) { }

        public void Saved(string folder) { }
    }
}
