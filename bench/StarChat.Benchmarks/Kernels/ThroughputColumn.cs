using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using StarChat.Engine.Tensors;

namespace StarChat.Benchmarks.Kernels;

/// <summary>
/// GB/s of weights streamed and GFLOP/s for benchmarks with <c>Shape</c>, <c>Type</c> and <c>Tokens</c> parameters:
/// weights are read once per call, and a call does 2·Out·In·Tokens floating-point operations.
/// </summary>
public sealed class ThroughputColumn(bool gigabytes) : IColumn
{
    public string Id => gigabytes ? "WeightGBps" : "GFlops";
    public string ColumnName => gigabytes ? "Weights GB/s" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => gigabytes ? 0 : 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => gigabytes ? "Weight bytes / mean time (1e9 B/s)" : "2·Out·In·Tokens / mean time (1e9 /s)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    // Only for benchmarks that describe a weight (MatVec/MatMul), not the element-wise ones.
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Parameters["Shape"] is WeightShape);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (mean is null || benchmarkCase.Parameters["Shape"] is not WeightShape shape || benchmarkCase.Parameters["Type"] is not TensorType type)
            return "-";
        int tokens = benchmarkCase.Parameters["Tokens"] is int t ? t : 1;
        double seconds = mean.Value * 1e-9;
        double value = gigabytes
            ? TensorTypeInfo.ByteCount(type, (long)shape.Out * shape.In) / seconds / 1e9
            : 2.0 * shape.Out * shape.In * tokens / seconds / 1e9;
        return value.ToString("F2");
    }
}
