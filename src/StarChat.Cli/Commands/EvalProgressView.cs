using System.Globalization;
using Spectre.Console;

namespace StarChat.Cli.Commands;

/// <summary>
/// Shows a long run's progress: a Spectre.Console progress bar on a terminal, else a plain line every few seconds
/// on stderr (logs stay readable).
/// </summary>
internal static class EvalProgressView
{
    public static async Task<T> RunAsync<T>(CliContext context, string title, Func<Action<int, int, string>, Task<T>> body)
    {
        if (context.Interactive)
        {
            T result = default!;
            await context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(title));
                    result = await body((done, total, note) =>
                    {
                        task.MaxValue = Math.Max(1, total);
                        task.Value = done;
                        task.Description = Markup.Escape($"{title} {done}/{total} {note}");
                    }).ConfigureAwait(false);
                }).ConfigureAwait(false);
            return result;
        }
        var last = DateTime.MinValue;
        var gate = new Lock();
        return await body((done, total, note) =>
        {
            lock (gate)
            {
                if (done < total && DateTime.UtcNow - last < TimeSpan.FromSeconds(5)) return;
                last = DateTime.UtcNow;
                context.Err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {done}/{total} {note}"));
            }
        }).ConfigureAwait(false);
    }
}
