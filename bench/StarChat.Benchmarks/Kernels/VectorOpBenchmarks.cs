using BenchmarkDotNet.Attributes;
using StarChat.Engine.Kernels;

namespace StarChat.Benchmarks.Kernels;

/// <summary>The element-wise kernels of a layer at n_embd = 2048 and n_inner = 8192: scalar baseline vs the selected rung.</summary>
[Config(typeof(KernelBenchConfig))]
public class VectorOpBenchmarks
{
    private float[] _x = [];
    private float[] _y = [];
    private float[] _destination = [];

    [Params(2048, 8192)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _x = [.. Enumerable.Range(0, Length).Select(_ => random.NextSingle() * 8 - 4)];
        _y = [.. Enumerable.Range(0, Length).Select(_ => random.NextSingle() * 8 - 4)];
        _destination = new float[Length];
    }

    [Benchmark(Baseline = true)]
    public float DotScalar() => VectorMath.DotScalar(_x, _y);

    [Benchmark]
    public float Dot() => VectorMath.Dot(_x, _y);

    [Benchmark]
    public void GeluScalar() => VectorMath.GeluTanh(KernelPath.Scalar, _x, _destination);

    [Benchmark]
    public void Gelu() => VectorMath.GeluTanh(_x, _destination);

    [Benchmark]
    public void LayerNormScalar() => VectorMath.LayerNorm(KernelPath.Scalar, _x, _y, _y, _destination, 1e-5f);

    [Benchmark]
    public void LayerNorm() => VectorMath.LayerNorm(_x, _y, _y, _destination, 1e-5f);

    [Benchmark]
    public void SoftmaxScalar()
    {
        _x.CopyTo(_destination, 0);
        VectorMath.Softmax(KernelPath.Scalar, _destination);
    }

    [Benchmark]
    public void Softmax()
    {
        _x.CopyTo(_destination, 0);
        VectorMath.Softmax(_destination);
    }
}
