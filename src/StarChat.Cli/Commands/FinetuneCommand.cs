using System.CommandLine;
using System.Globalization;
using StarChat.Training.FineTuning;
using StarChat.Training.Lora;
using StarChat.Training.Optimization;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat finetune</c>: LoRA fine-tuning on a prepared dataset, writing a PEFT adapter.</summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("Base model: folder, .safetensors, .bin or .gguf");
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder written by `starchat data prepare`", Required = true };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder: adapter_config.json, adapter_model.safetensors, checkpoints, loss.svg", Required = true };
        var rank = new Option<int>("--lora-r") { Description = "LoRA rank r", DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--lora-alpha") { Description = "LoRA alpha (scale alpha/r)", DefaultValueFactory = _ => 16 };
        var dropout = new Option<double>("--lora-dropout") { Description = "Dropout on the LoRA input while training", DefaultValueFactory = _ => 0.05 };
        var target = new Option<string>("--target") { Description = "Comma-separated modules to adapt (PEFT suffix rule: c_proj = attn.c_proj and mlp.c_proj)", DefaultValueFactory = _ => "c_attn,c_proj,c_fc" };
        var noLora = new Option<bool>("--no-lora") { Description = "Train no LoRA, only the tensors named by --full" };
        var full = new Option<string?>("--full") { Description = "Comma-separated base tensors to train in full (e.g. transformer.ln_f.weight)" };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => 2e-5 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training split", DefaultValueFactory = _ => 3 };
        var batch = new Option<int>("--batch") { Description = "Sequences per micro-batch", DefaultValueFactory = _ => 4 };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => 8 };
        var warmup = new Option<double>("--warmup-ratio") { Description = "Share of the steps with a linear warmup", DefaultValueFactory = _ => 0.03 };
        var scheduler = new Option<string>("--scheduler") { Description = "cosine, linear or constant after warmup", DefaultValueFactory = _ => "cosine" };
        scheduler.AcceptOnlyFromAmong("cosine", "linear", "constant");
        var clip = new Option<double>("--max-grad-norm") { Description = "Clip the global gradient norm (0: off)", DefaultValueFactory = _ => 1.0 };
        var decay = new Option<double>("--weight-decay") { Description = "AdamW weight decay (not on biases and LayerNorms)", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<int>("--seed") { Description = "Seed for LoRA init, data order and dropout", DefaultValueFactory = _ => 42 };
        var saveSteps = new Option<int>("--save-steps") { Description = "Checkpoint every N steps (and at each epoch end); 0: epoch ends only", DefaultValueFactory = _ => 500 };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after N optimizer steps" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Checkpoint folder to resume from (same data and settings)" };
        var threads = new Option<int>("--threads") { Description = "Threads (0: all processors)", DefaultValueFactory = _ => 0 };
        var float64 = new Option<bool>("--float64") { Description = "Train in f64 (about 2× slower; for checks)" };
        var command = new Command("finetune", "Fine-tune with LoRA (and/or chosen tensors) on a prepared dataset; writes a PEFT adapter.")
        {
            model, data, output, rank, alpha, dropout, target, noLora, full, lr, epochs, batch, accumulation, warmup, scheduler,
            clip, decay, seed, saveSteps, maxSteps, resume, threads, float64,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var context = CliContext.From(parse);
            return CliErrors.RunAsync(context, () =>
            {
                var options = new FineTuneOptions
                {
                    ModelPath = CommonOptions.RequireModel(parse.GetValue(model)),
                    DataFolder = parse.GetValue(data)!.FullName,
                    OutputFolder = parse.GetValue(output)!.FullName,
                    Lora = parse.GetValue(noLora) ? null : new LoraSettings
                    {
                        Rank = parse.GetValue(rank),
                        Alpha = parse.GetValue(alpha),
                        Dropout = parse.GetValue(dropout),
                        TargetModules = List(parse.GetValue(target)),
                    },
                    FullTensors = List(parse.GetValue(full)),
                    LearningRate = parse.GetValue(lr),
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batch),
                    GradientAccumulation = parse.GetValue(accumulation),
                    WarmupRatio = parse.GetValue(warmup),
                    Scheduler = Enum.Parse<SchedulerKind>(parse.GetValue(scheduler)!, ignoreCase: true),
                    MaxGradNorm = parse.GetValue(clip),
                    WeightDecay = parse.GetValue(decay),
                    Seed = parse.GetValue(seed),
                    SaveSteps = parse.GetValue(saveSteps),
                    MaxSteps = parse.GetValue(maxSteps),
                    ResumeFrom = parse.GetValue(resume)?.FullName,
                    Threads = parse.GetValue(threads),
                    Precision = parse.GetValue(float64) ? TrainingPrecision.Float64 : TrainingPrecision.Float32,
                };
                var result = FinetuneProgress.Run(context, options, cancellationToken);
                Summarize(context, result);
                return Task.FromResult(ExitCodes.Ok);
            });
        });
        return command;
    }

    private static List<string> List(string? value)
        => string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static void Summarize(CliContext context, FineTuneResult result)
    {
        var losses = result.Log.Where(l => l.Loss is not null).ToList();
        var evals = result.Log.Where(l => l.EvalLoss is not null).ToList();
        string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        if (losses.Count > 0)
            context.Out.WriteLine(Invariant($"training loss: {losses[0].Loss:F4} at step {losses[0].Step} → {losses[^1].Loss:F4} at step {losses[^1].Step}"));
        foreach (var e in evals)
            context.Out.WriteLine(Invariant($"test loss after step {e.Step} (epoch {e.Epoch:F2}): {e.EvalLoss:F4}"));
        context.Out.WriteLine(Invariant($"{result.Steps} steps in {FinetuneProgress.Duration(result.Elapsed)}, {result.TokensPerSecond:F0} tokens/s"));
        context.Out.WriteLine($"adapter and state in {result.OutputFolder}; loss curve {result.LossCurve}");
    }
}
