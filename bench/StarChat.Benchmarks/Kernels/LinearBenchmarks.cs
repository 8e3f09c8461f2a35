using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using StarChat.Engine.Kernels;
using StarChat.Engine.Tensors;
using StarChat.Engine.Threading;

namespace StarChat.Benchmarks.Kernels;

/// <summary>
/// The linear layers of StarCoderBase-1B. Scalar is the baseline; <c>Selected</c> is the rung chosen at start-up on one
/// thread; <c>SelectedAllThreads</c> adds a <see cref="WorkerPool"/> of every core.
/// Try other rungs with <c>--envVars DOTNET_EnableAVX512:0</c> (or <c>STARCHAT_KERNEL_PATH:vector256</c>).
/// </summary>
[Config(typeof(KernelBenchConfig))]
public abstract class LinearBenchmarks : IDisposable
{
    private byte[] _weights = [];
    private TensorView _view = null!;
    private float[] _input = [];
    private float[] _output = [];
    private float[] _bias = [];
    private WorkerPool _pool = null!;

    [ParamsSource(nameof(Shapes))]
    public WeightShape Shape { get; set; } = null!;

    [Params(TensorType.F32, TensorType.F16, TensorType.BF16)]
    public TensorType Type { get; set; }

    public abstract int Tokens { get; set; }

    public static IEnumerable<WeightShape> Shapes => WeightShape.StarCoder1B;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        long elements = (long)Shape.Out * Shape.In;
        _weights = GC.AllocateArray<byte>((int)TensorTypeInfo.ByteCount(Type, elements), pinned: true);
        switch (Type)
        {
            case TensorType.F32:
                foreach (ref float w in MemoryMarshal.Cast<byte, float>(_weights.AsSpan()))
                    w = random.NextSingle() - 0.5f;
                break;
            case TensorType.F16:
                foreach (ref Half w in MemoryMarshal.Cast<byte, Half>(_weights.AsSpan()))
                    w = (Half)(random.NextSingle() - 0.5f);
                break;
            default:
                foreach (ref ushort w in MemoryMarshal.Cast<byte, ushort>(_weights.AsSpan()))
                    w = (ushort)(BitConverter.SingleToUInt32Bits(random.NextSingle() - 0.5f) >> 16);
                break;
        }
        _view = new TensorView(Shape.Name, Type, new TensorShape(Shape.Out, Shape.In),
            Marshal.UnsafeAddrOfPinnedArrayElement(_weights, 0), _weights.Length);
        _input = [.. Enumerable.Range(0, Tokens * Shape.In).Select(_ => random.NextSingle() - 0.5f)];
        _bias = [.. Enumerable.Range(0, Shape.Out).Select(_ => random.NextSingle() - 0.5f)];
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
    public void Scalar() => MatMul.Multiply(KernelPath.Scalar, _input, Tokens, _view, _bias, _output, pool: null, rowsPerBlock: 0);

    [Benchmark]
    public void Selected() => MatMul.Multiply(_input, Tokens, _view, _bias, _output);

    [Benchmark]
    public void SelectedAllThreads() => MatMul.Multiply(_input, Tokens, _view, _bias, _output, _pool);
}

/// <summary>Decoding: one token, memory-bound (watch GB/s; the goal is the memory bandwidth).</summary>
public class MatVecBenchmarks : LinearBenchmarks
{
    [Params(1)]
    public override int Tokens { get; set; }
}

/// <summary>Prompt processing: 32 tokens, compute-bound (watch GFLOP/s). The scalar baseline takes about a second a call.</summary>
public class MatMulBenchmarks : LinearBenchmarks
{
    [Params(32)]
    public override int Tokens { get; set; }
}
