using System.Globalization;
using Spectre.Console;
using StarChat.Training.FineTuning;

namespace StarChat.Cli.Commands;

/// <summary>Shows a run's progress: a Spectre.Console bar on a terminal, one plain line per step otherwise.</summary>
internal sealed class FinetuneProgress : ITrainingProgress
{
    private readonly CliContext _context;
    private readonly ProgressTask? _task;

    private FinetuneProgress(CliContext context, ProgressTask? task)
    {
        _context = context;
        _task = task;
    }

    public static FineTuneResult Run(CliContext context, FineTuneOptions options, CancellationToken cancellationToken)
    {
        if (!context.Interactive)
            return FineTuner.Run(options, new FinetuneProgress(context, null), cancellationToken);
        FineTuneResult? result = null;
        context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: 1);
                result = FineTuner.Run(options, new FinetuneProgress(context, task), cancellationToken);
            });
        return result!;
    }

    public void Started(TrainingPlan plan)
    {
        string line = Invariant($"{plan.TotalSteps} steps ({plan.StepsPerEpoch} per epoch) over {plan.TrainExamples} training and {plan.TestExamples} test sequences; {plan.TrainableParameters:N0} trainable values")
            + (plan.StartStep > 0 ? Invariant($"; resuming after step {plan.StartStep}") : "");
        if (_task is null)
        {
            _context.Out.WriteLine(line);
            return;
        }
        _task.MaxValue = plan.TotalSteps;
        _task.Value = plan.StartStep;
        _task.Description = Markup.Escape(line);
    }

    public void Stepped(StepReport r)
    {
        string line = Invariant($"step {r.Step}  epoch {r.Epoch:F2}  loss {r.Loss:F4}  lr {r.LearningRate:0.00e+00}  grad {r.GradientNorm:F3}  {r.TokensPerSecond:F0} tok/s  eta {Duration(r.Remaining)}");
        if (_task is null)
        {
            _context.Out.WriteLine(line);
            return;
        }
        _task.Value = r.Step;
        _task.Description = Markup.Escape(line);
    }

    public void Evaluated(int epoch, int step, double loss)
        => Write(Invariant($"epoch {epoch}: test loss {loss:F4} (step {step})"));

    public void Saved(string folder) => Write($"checkpoint {folder}");

    private void Write(string line)
    {
        if (_task is null)
            _context.Out.WriteLine(line);
        else
            _context.Console.MarkupLine(Markup.Escape(line));
    }

    /// <summary>h:mm:ss, hours not wrapping at a day.</summary>
    public static string Duration(TimeSpan t)
        => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
