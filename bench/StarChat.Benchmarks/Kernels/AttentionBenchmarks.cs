using BenchmarkDotNet.Attributes;
using StarChat.Engine.Kernels;

namespace StarChat.Benchmarks.Kernels;

/// <summary>One decoding step of StarCoderBase-1B attention (16 heads of 128, one K/V head) over a long cache.</summary>
[Config(typeof(KernelBenchConfig))]
public class AttentionBenchmarks
{
    private float[] _queries = [];
    private float[] _keys = [];
    private float[] _values = [];
    private Half[] _halfKeys = [];
    private Half[] _halfValues = [];
    private float[] _output = [];
    private AttentionShape _shape;

    [Params(512, 2048)]
    public int Past { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _shape = new AttentionShape(Tokens: 1, Heads: 16, HeadDim: 128, PastLength: Past);
        _queries = [.. Enumerable.Range(0, 16 * 128).Select(_ => random.NextSingle() - 0.5f)];
        _keys = [.. Enumerable.Range(0, (Past + 1) * 128).Select(_ => random.NextSingle() - 0.5f)];
        _values = [.. Enumerable.Range(0, (Past + 1) * 128).Select(_ => random.NextSingle() - 0.5f)];
        _halfKeys = [.. _keys.Select(v => (Half)v)];
        _halfValues = [.. _values.Select(v => (Half)v)];
        _output = new float[16 * 128];
    }

    [Benchmark(Baseline = true)]
    public void F32CacheScalar() => MultiQueryAttention.Compute(KernelPath.Scalar, _queries, _keys, _values, _output, _shape, pool: null);

    [Benchmark]
    public void F32Cache() => MultiQueryAttention.Compute(_queries, _keys, _values, _output, _shape);

    [Benchmark]
    public void F16Cache() => MultiQueryAttention.Compute(_queries, _halfKeys, _halfValues, _output, _shape);
}
