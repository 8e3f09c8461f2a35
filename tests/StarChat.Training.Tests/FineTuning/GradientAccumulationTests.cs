using System.Text.Json;
using StarChat.Training.FineTuning;
using StarChat.Training.Lora;
using StarChat.Training.Optimization;

namespace StarChat.Training.Tests.FineTuning;

/// <summary>
/// Hugging Face's accumulation divides each micro-batch's mean loss by the number of micro-batches, so when every
/// micro-batch keeps the same number of positions, two micro-batches of 2 are one batch of 4: the same losses, the
/// same clipped gradients and the same adapter. The data here is built so (equal lengths, equal masks).
/// </summary>
public sealed class GradientAccumulationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public GradientAccumulationTests()
    {
        var random = new Random(7);
        Directory.CreateDirectory(DataFolder);
        using var writer = new StreamWriter(Path.Combine(DataFolder, "train.jsonl"));
        for (int e = 0; e < 8; e++)
        {
            int[] ids = [.. Enumerable.Range(0, 12).Select(_ => random.Next(49_152))];
            int[] labels = [.. ids.Select((id, t) => t is >= 2 and < 5 ? -100 : id)];
            writer.WriteLine(JsonSerializer.Serialize(new { input_ids = ids, labels }));
        }
    }

    private string DataFolder => _temp.File("data");

    public void Dispose() => _temp.Dispose();

    private FineTuneOptions Options(string output, int batch, int accumulation) => new()
    {
        ModelPath = ModelFactory.TinyStarChatPath,
        DataFolder = DataFolder,
        OutputFolder = _temp.File(output),
        LearningRate = 1e-3,
        Epochs = 1,
        BatchSize = batch,
        GradientAccumulation = accumulation,
        WarmupRatio = 0,
        Scheduler = SchedulerKind.Constant,
        MaxGradNorm = 0.05,   // small enough to clip, so the clipped norm must agree too
        Threads = 2,
        Precision = TrainingPrecision.Float64,
        Lora = new LoraSettings { Dropout = 0 },
    };

    [Fact]
    public void Run_TwoMicroBatchesOfTwo_EqualsOneBatchOfFour()
    {
        var whole = FineTuner.Run(Options("whole", batch: 4, accumulation: 1));
        var accumulated = FineTuner.Run(Options("accumulated", batch: 2, accumulation: 2));

        Assert.Equal(2, whole.Steps);
        Assert.Equal(2, accumulated.Steps);
        var wholeLog = whole.Log.Where(l => l.Loss is not null).ToList();
        var accumulatedLog = accumulated.Log.Where(l => l.Loss is not null).ToList();
        NumericAssert.AllClose([.. wholeLog.Select(l => l.Loss!.Value)], [.. accumulatedLog.Select(l => l.Loss!.Value)], 1e-12, "loss per step");
        NumericAssert.AllClose([.. wholeLog.Select(l => l.GradientNorm!.Value)], [.. accumulatedLog.Select(l => l.GradientNorm!.Value)], 1e-12, "gradient norm per step");
        Assert.All(wholeLog, l => Assert.True(l.GradientNorm > 0.05, "the test needs clipping to happen"));

        var a = PeftAdapter.Load(whole.OutputFolder);
        var b = PeftAdapter.Load(accumulated.OutputFolder);
        foreach (var (module, m) in a.Modules)
        {
            NumericAssert.AllClose([.. m.A.Select(v => (double)v)], [.. b.Modules[module].A.Select(v => (double)v)], 1e-7, module + " lora_A");
            NumericAssert.AllClose([.. m.B.Select(v => (double)v)], [.. b.Modules[module].B.Select(v => (double)v)], 1e-7, module + " lora_B");
        }
        Assert.Contains(a.Modules.Values, m => m.B.Any(v => v != 0));
    }
}
