using StarChat.Engine.Tensors;
using StarChat.Formats.IO;

namespace StarChat.Formats;

/// <summary>
/// The <see cref="IWeightSource"/> every reader hands out: canonical (Hugging Face) names → tensor views. Views point
/// into the mapped files this source owns, or, for the few tensors that must be rebuilt (legacy K/V folding), into
/// native memory it owns, built on first use. Disposing releases all of it.
/// </summary>
internal sealed class ModelWeights(string origin) : IWeightSource
{
    private readonly Dictionary<string, Lazy<TensorView>> _tensors = new(StringComparer.Ordinal);
    private readonly List<ByteSource> _sources = [];
    private readonly List<NativeBuffer> _buffers = [];
    private readonly List<IDisposable> _owned = [];
    private readonly Lock _lock = new();

    public string Origin => origin;

    public IReadOnlyCollection<string> Names => _tensors.Keys;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorView Get(string name)
        => _tensors.TryGetValue(name, out var lazy) ? lazy.Value : throw new MissingWeightException(origin, name);

    /// <summary>Adds a view (renamed to <paramref name="name"/> when it differs).</summary>
    public void Add(string name, TensorView view)
    {
        var named = view.Name == name ? view : new TensorView(name, view.Type, view.Shape, view.Address, view.ByteLength);
        _tensors.Add(name, new Lazy<TensorView>(named));
    }

    /// <summary>Adds a tensor built on first <see cref="Get"/> (its failure, a <see cref="ModelFormatException"/>, surfaces there).</summary>
    public void AddDeferred(string name, Func<TensorView> build) => _tensors.Add(name, new Lazy<TensorView>(build, LazyThreadSafetyMode.ExecutionAndPublication));

    /// <summary>
    /// Serves <paramref name="name"/> from a tensor built on first <see cref="Get"/>, replacing any stored one (quantized
    /// checkpoints: an int8 or packed 4-bit linear weight becomes a type the engine multiplies).
    /// </summary>
    public void Replace(string name, Func<TensorView> build) => _tensors[name] = new Lazy<TensorView>(build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Stops serving <paramref name="name"/> (a quantized checkpoint's scale or packing tensor, once folded into its weight).</summary>
    public void Remove(string name) => _tensors.Remove(name);

    public void Own(ByteSource source) => _sources.Add(source);

    /// <summary>
    /// Starts bringing <paramref name="views"/>' bytes into memory (<see cref="ByteSource.Prefetch"/>), file by file,
    /// in the order given; views in native memory this source built are there already.
    /// </summary>
    public void Prefetch(IEnumerable<TensorView> views)
    {
        var ranges = _sources.ToDictionary(s => s, _ => new List<(long Offset, long Length)>());
        foreach (var view in views)
        {
            var source = _sources.Find(s => s.Covers(view.Address, view.ByteLength));
            if (source is not null)
                ranges[source].Add((source.OffsetOf(view.Address), view.ByteLength));
        }
        foreach (var (source, list) in ranges)
        {
            if (list.Count > 0)
                source.Prefetch(list);
        }
    }

    /// <summary>The mapped files' prefetches that are running or done (tests).</summary>
    internal IEnumerable<PageToucher> Prefetches => _sources.Select(s => s.Prefetching).OfType<PageToucher>();

    public void Own(IDisposable disposable) => _owned.Add(disposable);

    /// <summary>Allocates native memory that lives as long as this source.</summary>
    public NativeBuffer Allocate(long length)
    {
        var buffer = new NativeBuffer(length);
        lock (_lock)
            _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>True when the view's bytes lie inside a file or buffer this source owns (tests check every view).</summary>
    internal bool Owns(TensorView view)
    {
        foreach (var s in _sources)
            if (s.Covers(view.Address, view.ByteLength)) return true;
        lock (_lock)
        {
            foreach (var b in _buffers)
                if (view.Address >= b.Address && view.ByteLength <= b.Length && view.Address - b.Address <= b.Length - view.ByteLength)
                    return true;
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var d in _owned)
            d.Dispose();
        foreach (var s in _sources)
            s.Dispose();
        lock (_lock)
        {
            foreach (var b in _buffers)
                b.Dispose();
            _buffers.Clear();
        }
        _owned.Clear();
        _sources.Clear();
    }
}
