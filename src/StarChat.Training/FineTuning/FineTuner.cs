using System.Diagnostics;
using System.Numerics;
using StarChat.Engine.Threading;
using StarChat.Formats;
using StarChat.Formats.Peft;
using StarChat.Training.Data;
using StarChat.Training.Lora;
using StarChat.Training.Model;
using StarChat.Training.Optimization;

namespace StarChat.Training.FineTuning;

/// <summary>The outcome of a fine-tuning run.</summary>
/// <param name="Steps">Optimizer steps done (including those before a resume).</param>
/// <param name="Log">Every step's and every evaluation's log line.</param>
/// <param name="TokensPerSecond">Training throughput of this invocation (forward + backward + update; evaluation and saving excluded).</param>
/// <param name="Elapsed">Wall time of this invocation.</param>
/// <param name="OutputFolder">Where the adapter, state and curve were written.</param>
/// <param name="LossCurve">The SVG of the loss curves.</param>
public sealed record FineTuneResult(int Steps, IReadOnlyList<LogEntry> Log, double TokensPerSecond, TimeSpan Elapsed, string OutputFolder, string LossCurve);

/// <summary>
/// <c>starchat finetune</c>: LoRA (and/or chosen full tensors) fine-tuning of a GPTBigCode model on a prepared
/// dataset, on the CPU, as Hugging Face's Trainer runs the StarChat recipe: the training split in a seeded random
/// order each epoch, micro-batches of <see cref="FineTuneOptions.BatchSize"/> sequences, gradients accumulated over
/// <see cref="FineTuneOptions.GradientAccumulation"/> of them (each micro-batch's mean loss divided by their
/// number), the global norm clipped, AdamW with the warmup + cosine schedule, test loss at every epoch end,
/// checkpoints that resume bit for bit.
/// </summary>
public static class FineTuner
{
    /// <summary>The loss-curve picture written beside the adapter.</summary>
    public const string LossCurveFile = "loss.svg";

    /// <summary>Runs the fine-tuning.</summary>
    /// <param name="options">What to train and how.</param>
    /// <param name="progress">Receives the run's events; may be null.</param>
    /// <param name="cancellationToken">Stops between steps, after saving a checkpoint.</param>
    /// <exception cref="ArgumentException">An option is invalid, a LoRA target or tensor name does not exist.</exception>
    /// <exception cref="FileNotFoundException">The model, data or checkpoint is missing.</exception>
    /// <exception cref="InvalidDataException">The data or checkpoint is malformed or belongs to another run.</exception>
    /// <exception cref="ModelFormatException">The model files are malformed.</exception>
    /// <exception cref="TrainingDivergedException">The loss or gradient stopped being finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (a checkpoint of the last finished step was saved).</exception>
    public static FineTuneResult Run(FineTuneOptions options, ITrainingProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Precision == TrainingPrecision.Float64
            ? new FineTuneRun<double>(options, progress, cancellationToken).Execute()
            : new FineTuneRun<float>(options, progress, cancellationToken).Execute();
    }
}

internal sealed class FineTuneRun<T>(FineTuneOptions options, ITrainingProgress? progress, CancellationToken cancellationToken)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<LogEntry> _log = [];
    private GptBigCodeParameters<T> _parameters = null!;
    private AdamW<T> _optimizer = null!;
    private PeftAdapterConfig? _adapter;
    private TrainingDataset _data = null!;
    private int _microBatchesPerEpoch, _stepsPerEpoch, _totalSteps;
    private string? _lastCheckpoint;

    public FineTuneResult Execute()
    {
        var wall = Stopwatch.StartNew();
        Prepare();
        var schedule = LearningRateSchedule.FromWarmupRatio(options.LearningRate, _totalSteps, options.WarmupRatio, options.Scheduler);
        int start = 0;
        if (options.ResumeFrom is { } resume)
        {
            var state = Checkpoint.Restore(resume, _parameters, _optimizer);
            CheckResumable(resume, state);
            start = state.GlobalStep;
            _log.AddRange(state.LogHistory);
            _lastCheckpoint = resume;
        }

        using var pool = new WorkerPool(options.Threads);
        var model = new GptBigCodeTrainingModel<T>(_parameters, pool);
        progress?.Started(new TrainingPlan(_totalSteps, _stepsPerEpoch, _data.Train.Count, _data.Test.Count,
            _parameters.Trainable.Sum(p => (long)p.Value.Length), start));

        var training = new Stopwatch();
        long tokensTrained = 0;
        int[] order = [];
        int orderEpoch = -1;
        for (int step = start; step < _totalSteps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                if (step > start)
                    Save(step);
                cancellationToken.ThrowIfCancellationRequested();
            }
            int epoch = step / _stepsPerEpoch, stepInEpoch = step % _stepsPerEpoch;
            if (epoch != orderEpoch)
            {
                order = EpochOrder(epoch);
                orderEpoch = epoch;
            }

            training.Start();
            var stepTimer = Stopwatch.StartNew();
            var (loss, tokens) = AccumulateGradients(model, order, stepInEpoch, step);
            double norm = options.MaxGradNorm > 0
                ? GradientClipping.ClipGlobalNorm(_parameters.Trainable, options.MaxGradNorm)
                : GradientClipping.GlobalNorm(_parameters.Trainable);
            double rate = schedule.RateAt(step);
            if (!double.IsFinite(loss) || !double.IsFinite(norm))
                throw new TrainingDivergedException(step + 1, rate, loss, norm, _lastCheckpoint);
            _optimizer.Step(rate);
            training.Stop();
            tokensTrained += tokens;

            int done = step + 1;
            double seconds = stepTimer.Elapsed.TotalSeconds;
            double fraction = (double)done / _stepsPerEpoch;
            _log.Add(new LogEntry { Step = done, Epoch = Math.Round(fraction, 4), Loss = loss, LearningRate = rate, GradientNorm = norm, TokensPerSecond = tokens / seconds });
            var remaining = TimeSpan.FromSeconds(training.Elapsed.TotalSeconds / (done - start) * (_totalSteps - done));
            progress?.Stepped(new StepReport(done, fraction, loss, rate, norm, tokens, tokens / seconds, wall.Elapsed, remaining));

            bool epochEnd = stepInEpoch == _stepsPerEpoch - 1 || done == _totalSteps;
            if (epochEnd && _data.Test.Count > 0)
            {
                double evalLoss = Evaluate(model);
                _log.Add(new LogEntry { Step = done, Epoch = Math.Round(fraction, 4), EvalLoss = evalLoss });
                progress?.Evaluated(epoch + 1, done, evalLoss);
            }
            if (epochEnd || (options.SaveSteps > 0 && done % options.SaveSteps == 0))
                Save(done);
        }

        return Finish(_totalSteps, tokensTrained / Math.Max(1e-9, training.Elapsed.TotalSeconds), wall.Elapsed);
    }

    private void Prepare()
    {
        using (var files = ModelFile.Open(options.ModelPath))
            _parameters = GptBigCodeParameters.Load<T>(files.Weights, files.RequireConfig());
        var config = _parameters.Config;
        _data = TrainingDataset.Load(options.DataFolder, config.VocabSize, config.ContextLength);
        if (options.Lora is { } lora)
        {
            LoraAttachment.Attach(_parameters, lora, options.Seed);
            _adapter = PeftAdapterConfig.From(lora, options.ModelPath);
        }
        try
        {
            _parameters.SetTrainable(options.FullTensors);
        }
        catch (KeyNotFoundException e)
        {
            throw new ArgumentException(e.Message, nameof(options), e);
        }
        _optimizer = new AdamW<T>(_parameters.Trainable, new AdamWSettings { WeightDecay = options.WeightDecay });

        _microBatchesPerEpoch = (_data.Train.Count + options.BatchSize - 1) / options.BatchSize;
        _stepsPerEpoch = (_microBatchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation;
        _totalSteps = options.MaxSteps ?? options.Epochs * _stepsPerEpoch;
    }

    // One optimizer step's worth of micro-batches; returns the mean of their mean losses and the tokens seen.
    private (double Loss, int Tokens) AccumulateGradients(GptBigCodeTrainingModel<T> model, int[] order, int stepInEpoch, int step)
    {
        foreach (var p in _parameters.Trainable)
            p.ZeroGradient();
        int first = stepInEpoch * options.GradientAccumulation;
        int last = Math.Min(first + options.GradientAccumulation, _microBatchesPerEpoch);
        // A seed per step, not one stream for the run, so a resumed run draws the same dropout masks.
        var dropout = new Random(unchecked(options.Seed * 1_000_003 + step));
        var batches = new List<TrainingBatch>();
        for (int micro = first; micro < last; micro++)
        {
            var batch = Batch(order, micro);
            if (batch.TargetCount > 0)
                batches.Add(batch);
        }
        double lossSum = 0;
        int tokens = 0;
        foreach (var batch in batches)
        {
            var loss = model.ComputeGradients(batch, 1.0 / (batch.TargetCount * (double)batches.Count), dropout);
            lossSum += loss.Mean;
            tokens += batch.RowCount;
        }
        return (batches.Count == 0 ? 0 : lossSum / batches.Count, tokens);
    }

    private TrainingBatch Batch(int[] order, int micro)
    {
        int from = micro * options.BatchSize, to = Math.Min(from + options.BatchSize, order.Length);
        var sequences = new List<(IReadOnlyList<int>, IReadOnlyList<int>)>(to - from);
        for (int i = from; i < to; i++)
        {
            var e = _data.Train[order[i]];
            sequences.Add((e.InputIds, e.Labels));
        }
        return TrainingBatch.Create(sequences, _parameters.Config.VocabSize, _parameters.Config.ContextLength);
    }

    // The training split in a seeded random order per epoch (Hugging Face's RandomSampler); derived from the seed and
    // the epoch alone, so a resumed run sees the same order.
    private int[] EpochOrder(int epoch)
    {
        int[] order = [.. Enumerable.Range(0, _data.Train.Count)];
        new Random(unchecked(options.Seed * 7_777_777 + epoch)).Shuffle(order);
        return order;
    }

    // Test loss: Σ cross-entropy / Σ kept positions over the whole split.
    private double Evaluate(GptBigCodeTrainingModel<T> model)
    {
        double sum = 0;
        long kept = 0;
        var config = _parameters.Config;
        for (int from = 0; from < _data.Test.Count; from += options.BatchSize)
        {
            var sequences = _data.Test.Skip(from).Take(options.BatchSize).Select(e => ((IReadOnlyList<int>)e.InputIds, (IReadOnlyList<int>)e.Labels)).ToList();
            var loss = model.Evaluate(TrainingBatch.Create(sequences, config.VocabSize, config.ContextLength));
            sum += loss.CrossEntropySum;
            kept += loss.TargetCount;
        }
        return kept == 0 ? double.NaN : sum / kept;
    }

    private TrainerState State(int step) => new()
    {
        GlobalStep = step,
        MaxSteps = _totalSteps,
        TrainExamples = _data.Train.Count,
        BatchSize = options.BatchSize,
        GradientAccumulation = options.GradientAccumulation,
        Seed = options.Seed,
        LogHistory = [.. _log],
    };

    private void Save(int step)
    {
        string folder = Path.Combine(options.OutputFolder, $"checkpoint-{step}");
        Checkpoint.Save(folder, _parameters, _optimizer, State(step), _adapter);
        _lastCheckpoint = folder;
        progress?.Saved(folder);
    }

    private void CheckResumable(string folder, TrainerState state)
    {
        void Require(bool same, string what, object saved, object now)
        {
            if (!same)
                throw new InvalidDataException($"{folder}: the checkpoint was made with {what} {saved}, this run has {now}; resume with the same data and --batch, --grad-accum, --seed, --epochs/--max-steps");
        }
        Require(state.TrainExamples == _data.Train.Count, "training examples:", state.TrainExamples, _data.Train.Count);
        Require(state.BatchSize == options.BatchSize, "--batch", state.BatchSize, options.BatchSize);
        Require(state.GradientAccumulation == options.GradientAccumulation, "--grad-accum", state.GradientAccumulation, options.GradientAccumulation);
        Require(state.Seed == options.Seed, "--seed", state.Seed, options.Seed);
        Require(state.MaxSteps == _totalSteps, "a plan of steps:", state.MaxSteps, _totalSteps);
        if (state.GlobalStep > _totalSteps)
            throw new InvalidDataException($"{folder}: the checkpoint is at step {state.GlobalStep}, past this run's {_totalSteps} steps");
    }

    private FineTuneResult Finish(int steps, double tokensPerSecond, TimeSpan elapsed)
    {
        Directory.CreateDirectory(options.OutputFolder);
        if (_adapter is not null)
            PeftAdapter.Save(options.OutputFolder, _parameters, _adapter);
        var full = _parameters.Trainable.Where(p => !p.Name.StartsWith(PeftKeys.Prefix, StringComparison.Ordinal)).ToList();
        if (full.Count > 0)
        {
            Formats.Safetensors.SafetensorsWriter.Write(Path.Combine(options.OutputFolder, Checkpoint.TrainedTensorsFile),
                full.Select(p => new Formats.Safetensors.SafetensorsEntry(p.Name, Engine.Tensors.TensorType.F32,
                    new Engine.Tensors.TensorShape([.. p.Shape.Select(d => (long)d)]), Formats.Safetensors.SafetensorsWriter.Bytes([.. p.Value.Select(float.CreateChecked)]))),
                new Dictionary<string, string> { ["format"] = "pt" });
        }
        State(steps).Write(Path.Combine(options.OutputFolder, TrainerState.FileName));
        string curve = Path.Combine(options.OutputFolder, FineTuner.LossCurveFile);
        var train = _log.Where(l => l.Loss is not null).Select(l => (l.Step, l.Loss!.Value)).ToList();
        var eval = _log.Where(l => l.EvalLoss is not null).Select(l => (l.Step, l.EvalLoss!.Value)).ToList();
        string title = $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(options.ModelPath))} on {Path.GetFileName(Path.TrimEndingDirectorySeparator(options.DataFolder))}: "
            + (options.Lora is { } l ? $"LoRA r {l.Rank}, " : "") + $"lr {options.LearningRate:G3}, {steps} steps";
        File.WriteAllText(curve, LossCurveSvg.Render(title, train, eval));
        return new FineTuneResult(steps, [.. _log], tokensPerSecond, elapsed, options.OutputFolder, curve);
    }
}
