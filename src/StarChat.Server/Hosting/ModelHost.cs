using StarChat.Generation;
using StarChat.Server.Metrics;

namespace StarChat.Server.Hosting;

/// <summary>
/// Loads the model in the background while the server already listens, so <c>/health</c> can say "loading" and API
/// calls get 503 instead of a refused connection.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly TaskCompletionSource<ServedModel> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private ServedModel? _model;
    private bool _disposed;

    internal ModelHost(ServerOptions options, ServerMetrics metrics)
    {
        Options = options;
        Metrics = metrics;
    }

    /// <summary>Unix time the server started (OpenAI's <c>created</c> for the model).</summary>
    public long StartedAt { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The server's options.</summary>
    public ServerOptions Options { get; }

    /// <summary>The server's metrics.</summary>
    public ServerMetrics Metrics { get; }

    /// <summary>Loading, ready or failed.</summary>
    public ModelState State { get; private set; } = ModelState.Loading;

    /// <summary>Why loading failed, when it did.</summary>
    public string? Error { get; private set; }

    /// <summary>The served model once <see cref="State"/> is <see cref="ModelState.Ready"/>, else null.</summary>
    public ServedModel? Model => Volatile.Read(ref _model);

    /// <summary>Completes when the model is ready; faults when loading fails.</summary>
    public Task<ServedModel> Loaded => _loaded.Task;

    internal void StartLoading()
    {
        _ = Task.Factory.StartNew(Load, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Load()
    {
        LocalModel? local = null;
        try
        {
            var options = Options;
            local = options.ModelLoader is { } loader ? loader(_stop.Token) : LocalModel.Load(options.ModelPath, options.Engine);
            _stop.Token.ThrowIfCancellationRequested();
            var served = new ServedModel(local, options, Metrics, ownsModel: options.ModelLoader is null);
            lock (_stop)
            {
                if (_disposed)
                {
                    served.Dispose();
                    return;
                }
                Volatile.Write(ref _model, served);
                State = ModelState.Ready;
            }
            _loaded.TrySetResult(served);
        }
        catch (Exception e)
        {
            if (Options.ModelLoader is null) local?.Dispose();
            Error = e.Message;
            State = ModelState.Failed;
            _loaded.TrySetException(e);
        }
    }

    /// <summary>Stops the scheduler and releases the model (a load still running is abandoned).</summary>
    public void Dispose()
    {
        ServedModel? model;
        lock (_stop)
        {
            if (_disposed) return;
            _disposed = true;
            _stop.Cancel();
            model = Interlocked.Exchange(ref _model, null);
        }
        model?.Dispose();
    }
}
