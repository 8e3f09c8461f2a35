using System.Diagnostics;
using Spectre.Console;
using StarChat.Formats.Hub;

namespace StarChat.Cli;

/// <summary>
/// Brings a <c>--model org/name[/file.gguf][@revision]</c> from the Hugging Face Hub into the shared cache before a
/// command loads it, showing progress on standard error: a Spectre.Console bar per file on a terminal, one line per
/// file otherwise (logs, tests, pipes).
/// </summary>
internal static class HubDownloads
{
    /// <summary>The local path for <paramref name="model"/>: itself when it exists or is not a Hub id.</summary>
    /// <exception cref="HubException">The Hub refused, the model is not there, or a download failed.</exception>
    public static string Resolve(string model, TextWriter err, bool terminal, CancellationToken ct = default)
    {
        if (!HubModelResolver.IsHubId(model, out var id))
            return model;
        var settings = HubSettings.FromEnvironment();
        HubSnapshot snapshot;
        var console = terminal ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(err) }) : null;
        // Spectre's live display needs an interactive ANSI terminal; it judges that partly from standard output, so a
        // piped stdout (`starchat info org/name | head`) also falls back to plain lines.
        if (console is { Profile.Capabilities: { Interactive: true, Ansi: true } })
        {
            snapshot = console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(ctx => Download(settings, id!, new BarProgress(ctx), err, ct))
                .GetAwaiter().GetResult();
        }
        else
        {
            snapshot = Download(settings, id!, new LineProgress(err), err, ct).GetAwaiter().GetResult();
        }
        if (snapshot.FilesDownloaded > 0)
            err.WriteLine($"{id!.RepoId}: {snapshot.FilesDownloaded} file{(snapshot.FilesDownloaded == 1 ? "" : "s")} ({Size(snapshot.BytesDownloaded)}) downloaded to {snapshot.Path}");
        else if (snapshot.Offline)
            err.WriteLine($"{id!.RepoId}: using the cached snapshot {snapshot.Commit}");
        return snapshot.Path;
    }

    private static async Task<HubSnapshot> Download(HubSettings settings, HubModelId id, IHubProgress progress, TextWriter err, CancellationToken ct)
    {
        using var resolver = new HubModelResolver(settings) { Progress = progress, Warning = w => err.WriteLine($"warning: {w}") };
        return await resolver.DownloadAsync(id, ct).ConfigureAwait(false);
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>
    /// One line when a file starts, one every <see cref="Interval"/> while it downloads (so a long download in a log
    /// is visibly alive), and one when it is verified.
    /// </summary>
    private sealed class LineProgress(TextWriter err) : IHubProgress
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
        private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);

        private sealed class FileState(long? total, long resumedFrom)
        {
            public Stopwatch Clock { get; } = Stopwatch.StartNew();
            public TimeSpan LastLine { get; set; }
            public long? Total { get; } = total;
            public long Have { get; set; } = resumedFrom;
            public long Received { get; set; }
        }

        public void FileStarted(string path, long? totalBytes, long resumedFrom)
        {
            _files[path] = new FileState(totalBytes, resumedFrom);
            string size = totalBytes is { } t ? Size(t) : "size unknown";
            err.WriteLine(resumedFrom > 0 ? $"resuming {path} at {Size(resumedFrom)} of {size}" : $"downloading {path} ({size})");
        }

        public void BytesReceived(string path, long bytes)
        {
            if (!_files.TryGetValue(path, out var file))
                return;
            file.Have += bytes;
            file.Received += bytes;
            if (file.Clock.Elapsed - file.LastLine < Interval)
                return;
            file.LastLine = file.Clock.Elapsed;
            string percent = file.Total is { } t and > 0 ? $" ({100.0 * file.Have / t:F0}%)" : "";
            err.WriteLine($"  {path}: {Size(file.Have)}{(file.Total is { } total ? " of " + Size(total) : "")}{percent}");
        }

        public void FileFinished(string path)
        {
            if (!_files.Remove(path, out var file))
                return;
            double seconds = Math.Max(file.Clock.Elapsed.TotalSeconds, 1e-3);
            err.WriteLine($"  {path}: {Size(file.Received)} in {seconds:F2} s ({Size((long)(file.Received / seconds))}/s), checksum ok");
        }
    }

    /// <summary>A Spectre.Console progress task per file.</summary>
    private sealed class BarProgress(ProgressContext context) : IHubProgress
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

        public void FileStarted(string path, long? totalBytes, long resumedFrom)
        {
            var task = context.AddTask(Markup.Escape(path), maxValue: totalBytes ?? 1);
            task.IsIndeterminate = totalBytes is null;
            task.Value = resumedFrom;
            _tasks[path] = task;
        }

        public void BytesReceived(string path, long bytes)
        {
            if (_tasks.TryGetValue(path, out var task))
                task.Increment(bytes);
        }

        public void FileFinished(string path)
        {
            if (_tasks.Remove(path, out var task))
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }
}
