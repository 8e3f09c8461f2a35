using BenchmarkDotNet.Attributes;
using StarChat.Engine.Quantization;
using StarChat.Engine.Tensors;

namespace StarChat.Benchmarks;

/// <summary>
/// The scalar reference block code on one 4096-wide row (a StarCoder-1B matrix row): dequantize, quantized dot
/// product, quantize. Baselines for the SIMD kernels, which must agree with these functions.
/// </summary>
[MemoryDiagnoser]
public class QuantizationBenchmarks
{
    private const int RowLength = 4096;
    private byte[] _weights = [];
    private byte[] _activations = [];
    private float[] _values = [];
    private float[] _output = [];

    [Params(TensorType.Q4_0, TensorType.Q8_0, TensorType.Q4_K, TensorType.Q6_K)]
    public TensorType Type { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _values = new float[RowLength];
        for (int i = 0; i < RowLength; i++)
            _values[i] = (float)(rng.NextDouble() * 2 - 1);
        _output = new float[RowLength];
        _weights = new byte[TensorTypeInfo.ByteCount(Type, RowLength)];
        Quantize.Row(Type, _values, _weights);
        TensorType activationType = QuantizedDot.ActivationType(Type);
        _activations = new byte[TensorTypeInfo.ByteCount(activationType, RowLength)];
        Quantize.Row(activationType, _values, _activations);
    }

    [Benchmark(Baseline = true)]
    public void DequantizeRow() => Dequantize.Row(Type, _weights, _output);

    [Benchmark]
    public float DotRow() => QuantizedDot.Row(Type, _weights, _activations);

    [Benchmark]
    public void QuantizeRow() => Quantize.Row(Type, _values, _weights);
}
