using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using StarChat.Engine.Kernels;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;
using StarChat.Engine.Threading;

namespace StarChat.Benchmarks.Kernels;

/// <summary>
/// The linear layers of StarCoderBase-1B in the quantized types StarCoder files use. The baseline is the integer
/// kernel's scalar rung (ggml's generic vec_dot); <c>Exact</c> is the dequantize-then-f32 path; <c>Fast</c> the
/// integer kernel on the selected rung, on one thread and on every core. Activation quantization is included.
/// </summary>
[Config(typeof(KernelBenchConfig))]
public abstract class QuantizedLinearBenchmarks : IDisposable
{
    private byte[] _weights = [];
    private TensorView _view = null!;
    private float[] _input = [];
    private float[] _output = [];
    private WorkerPool _pool = null!;

    [ParamsSource(nameof(Shapes))]
    public WeightShape Shape { get; set; } = null!;

    [Params(TensorType.Q4_0, TensorType.Q8_0, TensorType.Q6_K, TensorType.Q4_K, TensorType.Q5_K)]
    public TensorType Type { get; set; }

    public abstract int Tokens { get; set; }

    public static IEnumerable<WeightShape> Shapes => WeightShape.StarCoder1B;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        long elements = (long)Shape.Out * Shape.In;
        var values = new float[elements];
        foreach (ref float v in values.AsSpan())
            v = random.NextSingle() - 0.5f;
        _weights = GC.AllocateArray<byte>((int)TensorTypeInfo.ByteCount(Type, elements), pinned: true);
        Quantize.Row(Type, values, _weights);
        _view = new TensorView(Shape.Name, Type, new TensorShape(Shape.Out, Shape.In),
            Marshal.UnsafeAddrOfPinnedArrayElement(_weights, 0), _weights.Length);
        _input = [.. Enumerable.Range(0, Tokens * Shape.In).Select(_ => random.NextSingle() - 0.5f)];
        _output = new float[Tokens * Shape.Out];
        _pool = new WorkerPool();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _pool?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => MatMul.Multiply(MatMulKernelSet.Fast, KernelPath.Scalar, _input, Tokens, _view, [], _output, pool: null, rowsPerBlock: 0);

    [Benchmark]
    public void Exact() => MatMul.Multiply(MatMulKernelSet.Exact, _input, Tokens, _view, [], _output);

    [Benchmark]
    public void Fast() => MatMul.Multiply(MatMulKernelSet.Fast, _input, Tokens, _view, [], _output);

    [Benchmark]
    public void FastAllThreads() => MatMul.Multiply(MatMulKernelSet.Fast, _input, Tokens, _view, [], _output, _pool);
}

/// <summary>Decoding: one token, memory-bound (watch GB/s).</summary>
public class QuantizedMatVecBenchmarks : QuantizedLinearBenchmarks
{
    [Params(1)]
    public override int Tokens { get; set; }
}

/// <summary>Prompt processing: 32 tokens, compute-bound (watch GFLOP/s).</summary>
public class QuantizedMatMulBenchmarks : QuantizedLinearBenchmarks
{
    [Params(32)]
    public override int Tokens { get; set; }
}
