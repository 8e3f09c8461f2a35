using System.Runtime.InteropServices;
using StarChat.Engine.Inference;
using StarChat.Generation;
using StarChat.Server.Metrics;
using StarChat.Text.Tokenization;

namespace StarChat.Server.Scheduling;

/// <summary>
/// Continuous batching on one model. Requests wait in a bounded queue; every step admits waiting requests into free
/// KV-cache slots (evaluating their prompts, a chunk at a time), then advances every running sequence by one token
/// in a single <see cref="IBatchedLanguageModel.DecodeBatch"/> pass, so the weights are read once per step for all
/// users. Each sequence samples on its own and streams text through its <see cref="SequenceHandle"/>. A finished
/// slot keeps its cache; a new request takes the free slot whose cache shares the longest prefix with its prompt.
/// All model calls happen on the scheduler's own thread.
/// </summary>
public sealed class BatchScheduler : IDisposable
{
    private readonly IBatchedLanguageModel _model;
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly SchedulerOptions _options;
    private readonly ServerMetrics? _metrics;
    private readonly Slot[] _slots;
    private readonly LinkedList<SequenceHandle> _queue = new();
    private readonly object _gate = new(); // Monitor: the scheduler thread waits on it for work
    private readonly Thread _thread;
    private readonly float[] _row;
    private readonly float[] _scores;
    private float[] _batchLogits = [];
    private float[] _promptRows = [];
    private int _running;
    private long _steps;
    private bool _disposed;

    /// <summary>Starts the scheduler thread.</summary>
    /// <param name="model">The model (its calls are serialized here).</param>
    /// <param name="tokenizer">Turns generated ids into text.</param>
    /// <param name="options">Slots, queue, context per slot.</param>
    /// <param name="metrics">Where token counts and timings go (optional).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the slot capacity exceeds the model's context.</exception>
    public BatchScheduler(IBatchedLanguageModel model, ByteLevelBpeTokenizer tokenizer, SchedulerOptions options, ServerMetrics? metrics = null)
    {
        options.Validate();
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _metrics = metrics;
        SlotCapacity = options.SlotCapacity ?? model.ContextLength;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SlotCapacity, model.ContextLength, "SlotCapacity");
        _slots = [.. Enumerable.Range(0, options.Slots).Select(i => new Slot(i))];
        _row = new float[model.VocabSize];
        _scores = new float[model.VocabSize];
        _thread = new Thread(Run) { IsBackground = true, Name = "starchat-scheduler" };
        _thread.Start();
    }

    /// <summary>Tokens each sequence may hold (prompt plus generated).</summary>
    public int SlotCapacity { get; }

    /// <summary>Number of slots.</summary>
    public int Slots => _slots.Length;

    /// <summary>Sequences waiting for a slot.</summary>
    public int Queued
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>Sequences occupying a slot.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Decoding steps run so far (each one a single batched pass).</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Largest number of sequences decoded together in one step so far.</summary>
    public int LargestBatch { get; private set; }

    /// <summary>Queues one sequence.</summary>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is shut down.</exception>
    public SequenceHandle Submit(SequenceRequest request, CancellationToken cancellationToken = default)
        => SubmitAll([request], cancellationToken)[0];

    /// <summary>Queues several sequences (OpenAI <c>n</c>) together: all are accepted or none.</summary>
    /// <exception cref="QueueFullException">The queue has no room for all of them.</exception>
    /// <exception cref="ArgumentException">A prompt is empty or longer than a slot, or a sampling setting is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is shut down.</exception>
    public IReadOnlyList<SequenceHandle> SubmitAll(IReadOnlyList<SequenceRequest> requests, CancellationToken cancellationToken = default)
    {
        foreach (var request in requests)
        {
            if (request.Adapter < 0)
                throw new ArgumentException($"adapter id {request.Adapter} is negative", nameof(requests));
            if (request.PromptIds.Count == 0)
                throw new ArgumentException("the prompt is empty: there is nothing to continue", nameof(requests));
            if (request.PromptIds.Count >= SlotCapacity)
                throw new ContextOverflowException(request.PromptIds.Count + 1, SlotCapacity);
            foreach (int id in request.PromptIds)
            {
                if ((uint)id >= (uint)_model.VocabSize)
                    throw new ArgumentException($"token id {id} is outside the vocabulary (0..{_model.VocabSize - 1})", nameof(requests));
            }
            request.Sampling.Validate();
        }
        var handles = requests.Select(r => new SequenceHandle(r, cancellationToken)).ToList();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Free slots count as room too: a request that will be admitted at the next step does not wait.
            int room = _options.QueueLimit + (_slots.Length - _running) - _queue.Count;
            if (handles.Count > room)
                throw new QueueFullException(_options.QueueLimit);
            foreach (var handle in handles)
                _queue.AddLast(handle);
            Monitor.PulseAll(_gate);
        }
        if (cancellationToken.CanBeCanceled)
            cancellationToken.Register(Wake);
        return handles;
    }

    private void Wake()
    {
        lock (_gate)
            Monitor.PulseAll(_gate);
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (!_disposed && _queue.Count == 0 && _running == 0)
                    Monitor.Wait(_gate);
                if (_disposed)
                    return;
            }
            ReleaseCancelled();
            Admit();
            Prefill();
            Decode();
            if (_options.StepDelay > TimeSpan.Zero)
            {
                lock (_gate)
                {
                    if (!_disposed) Monitor.Wait(_gate, _options.StepDelay);
                }
            }
        }
    }

    /// <summary>A client that went away frees its slot here, at the start of the next step.</summary>
    private void ReleaseCancelled()
    {
        foreach (var slot in _slots)
        {
            if (slot.Active is { Handle.IsCancelled: true } active)
            {
                Release(slot);
                active.Handle.Fail(new OperationCanceledException(active.Handle.CancellationToken));
            }
        }
    }

    private void Admit()
    {
        while (true)
        {
            SequenceHandle? next;
            Slot? slot;
            lock (_gate)
            {
                // Requests cancelled while waiting are dropped without taking a slot.
                while (_queue.First is { Value.IsCancelled: true } cancelled)
                {
                    _queue.RemoveFirst();
                    cancelled.Value.Fail(new OperationCanceledException(cancelled.Value.CancellationToken));
                }
                if (_queue.First is null || _slots.All(s => s.Active is not null))
                    return;
                next = _queue.First.Value;
                slot = ChooseSlot(next.Request);
                _queue.RemoveFirst();
                slot.Active = new ActiveSequence(next, _tokenizer);
                slot.LastUsed = Interlocked.Read(ref _steps);
                _running++;
            }
            Start(slot, next);
        }
    }

    /// <summary>The free slot sharing the longest prefix with the prompt; among equals, the least recently used.</summary>
    private Slot ChooseSlot(SequenceRequest request)
    {
        Slot? best = null;
        int bestCommon = -1;
        foreach (var slot in _slots)
        {
            if (slot.Active is not null) continue;
            int common = request.PromptLogProbs ? 0 : slot.CommonPrefix(request.PromptIds, request.Adapter);
            if (common > bestCommon || (common == bestCommon && slot.LastUsed < best!.LastUsed))
            {
                best = slot;
                bestCommon = common;
            }
        }
        return best!;
    }

    private void Start(Slot slot, SequenceHandle handle)
    {
        try
        {
            slot.Session ??= _model.CreateSession(SlotCapacity);
            slot.UseAdapter(handle.Request.Adapter);
            int common = handle.Request.PromptLogProbs ? 0 : slot.CommonPrefix(handle.Request.PromptIds, handle.Request.Adapter);
            slot.Truncate(common);
            slot.Active!.PrefillPosition = common;
            handle.Slot = slot.Index;
            handle.ReusedPromptTokens = common;
            _metrics?.RecordPrompt(handle.PromptTokens, common);
        }
        catch (Exception e)
        {
            Fail(slot, e);
        }
    }

    /// <summary>Evaluates up to <see cref="SchedulerOptions.PrefillChunk"/> prompt tokens, oldest admission first.</summary>
    private void Prefill()
    {
        int budget = _options.PrefillChunk;
        foreach (var slot in _slots.Where(s => s.Active is { IsPrefilling: true }).OrderBy(s => s.LastUsed))
        {
            if (budget <= 0) break;
            var active = slot.Active!;
            try
            {
                var prompt = active.Request.PromptIds;
                int start = active.PrefillPosition;
                // Every row's logits are needed only when the prompt's log-probabilities were asked for; those rows
                // are large (vocab floats each), so that case goes in smaller chunks.
                int count = Math.Min(budget, prompt.Count - start);
                if (active.PromptLogProbs is not null) count = Math.Min(count, 64);
                int[] chunk = [.. prompt.Skip(start).Take(count)];
                int v = _model.VocabSize;
                if (active.PromptLogProbs is not null && count > 1)
                {
                    if (_promptRows.Length < count * v) _promptRows = new float[count * v];
                    var rows = _promptRows.AsSpan(0, count * v);
                    slot.Session!.Append(chunk, rows);
                    CollectPromptLogProbs(active, start, rows);
                    rows.Slice((count - 1) * v, v).CopyTo(_row);
                }
                else
                {
                    slot.Session!.Append(chunk, _row);
                    if (active.PromptLogProbs is not null) CollectPromptLogProbs(active, start, _row);
                }
                slot.Tokens.AddRange(chunk);
                active.PrefillPosition = start + count;
                budget -= count;
                if (!active.IsPrefilling)
                {
                    if (active.PromptLogProbs is not null)
                        active.Handle.PromptLogProbs = active.PromptLogProbs;
                    Sample(slot, _row);
                }
            }
            catch (Exception e)
            {
                Fail(slot, e);
            }
        }
    }

    /// <summary>Row r of <paramref name="rows"/> (<c>[count, vocab]</c>) predicts prompt token <c>start + r + 1</c>.</summary>
    private void CollectPromptLogProbs(ActiveSequence active, int start, ReadOnlySpan<float> rows)
    {
        var prompt = active.Request.PromptIds;
        var list = active.PromptLogProbs!;
        int v = _model.VocabSize;
        if (start == 0) list.Add(new PromptTokenLogProb(prompt[0], null));
        for (int r = 0; r < rows.Length / v && start + r + 1 < prompt.Count; r++)
        {
            var row = rows.Slice(r * v, v);
            int next = prompt[start + r + 1];
            list.Add(new PromptTokenLogProb(next, (float)(row[next] - TokenLogProbs.LogSumExp(row))));
        }
    }

    /// <summary>One batched pass for every sequence that has a token to append, then one sample per sequence.</summary>
    private void Decode()
    {
        // Ordered by adapter, so the engine applies each adapter's update to one run of rows.
        var batch = _slots.Where(s => s.Active is { IsPrefilling: false, PendingToken: >= 0 }).OrderBy(s => s.Adapter).ToList();
        if (batch.Count == 0) return;
        int v = _model.VocabSize;
        if (_batchLogits.Length < batch.Count * v) _batchLogits = new float[_slots.Length * v];
        int[] tokens = [.. batch.Select(s => s.Active!.PendingToken)];
        try
        {
            _model.DecodeBatch([.. batch.Select(s => s.Session!)], tokens, _batchLogits.AsSpan(0, batch.Count * v));
        }
        catch (Exception e)
        {
            // The caches may be half-written: forget them entirely.
            foreach (var slot in batch)
            {
                Fail(slot, e);
                slot.Truncate(0);
            }
            return;
        }
        Interlocked.Increment(ref _steps);
        LargestBatch = Math.Max(LargestBatch, batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            var slot = batch[i];
            slot.Tokens.Add(tokens[i]);
            slot.Active!.PendingToken = -1;
            try
            {
                Sample(slot, _batchLogits.AsSpan(i * v, v));
            }
            catch (Exception e)
            {
                Fail(slot, e);
            }
        }
    }

    /// <summary>Picks the next token from the logits that follow the slot's cache, and sends it.</summary>
    private void Sample(Slot slot, ReadOnlySpan<float> logits)
    {
        var active = slot.Active!;
        var handle = active.Handle;
        var request = active.Request;
        if (active.Generated >= request.Sampling.MaxNewTokens)
        {
            Finish(slot, new TokenEvent { Id = -1, Text = active.Decoder.Finish(), Finish = FinishReason.Length, Index = active.Generated });
            return;
        }

        ReadOnlySpan<float> scores = logits;
        if (active.Adjustments is { } adjustments)
        {
            logits.CopyTo(_scores);
            adjustments.Apply(_scores);
            scores = _scores;
        }
        int id = active.Sampler.Next(scores, CollectionsMarshal.AsSpan(slot.Tokens), out float sampledLogProb);
        active.Adjustments?.Accept(id);
        double logZ = TokenLogProbs.LogSumExp(logits);
        active.Generated++;
        handle.GeneratedTokens = active.Generated;
        _metrics?.RecordGeneratedToken();

        var e = new TokenEvent
        {
            Id = id,
            TokenText = _tokenizer.Decode([id]),
            LogProb = (float)(logits[id] - logZ),
            SampledLogProb = sampledLogProb,
            TopLogProbs = TokenLogProbs.Top(logits, logZ, request.TopLogProbs),
            Special = _tokenizer.IsSpecial(id),
            Index = active.Generated,
        };
        if (active.StopIds.Contains(id))
        {
            Finish(slot, e with { Text = active.Decoder.Finish(), IsStopToken = true, Finish = FinishReason.EndOfSequence });
            return;
        }
        string text = active.Decoder.Push(id);
        if (active.Decoder.IsStopped)
            Finish(slot, e with { Text = text, Finish = FinishReason.StopString });
        else if (active.Generated >= request.Sampling.MaxNewTokens)
            Finish(slot, e with { Text = text + active.Decoder.Finish(), Finish = FinishReason.Length });
        else if (slot.Session!.Length + 1 >= SlotCapacity)
            Finish(slot, e with { Text = text + active.Decoder.Finish(), Finish = FinishReason.ContextFull });
        else
        {
            active.PendingToken = id;
            Emit(handle, e with { Text = text });
        }
    }

    private void Emit(SequenceHandle handle, TokenEvent e)
    {
        bool first = handle.TimeToFirstToken is null;
        handle.Emit(e);
        if (first && handle.TimeToFirstToken is { } ttft)
            _metrics?.RecordTimeToFirstToken(ttft);
    }

    private void Finish(Slot slot, TokenEvent last)
    {
        var handle = slot.Active!.Handle;
        Release(slot);
        Emit(handle, last);
        _metrics?.RecordFinished(handle.TokensPerSecond);
    }

    private void Fail(Slot slot, Exception error)
    {
        var handle = slot.Active?.Handle;
        Release(slot);
        handle?.Fail(error);
    }

    private void Release(Slot slot)
    {
        lock (_gate)
        {
            if (slot.Active is null) return;
            slot.Active = null;
            _running--;
        }
    }

    /// <summary>Stops the scheduler thread; waiting and running sequences end with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
        var error = new ObjectDisposedException(nameof(BatchScheduler), "the server is shutting down");
        lock (_gate)
        {
            foreach (var handle in _queue) handle.Fail(error);
            _queue.Clear();
        }
        foreach (var slot in _slots)
        {
            Fail(slot, error);
            slot.Session?.Dispose();
        }
    }
}
