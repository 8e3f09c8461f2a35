using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace StarChat.Benchmarks.Kernels;

/// <summary>Adds the GB/s and GFLOP/s columns and the allocation column to the default config.</summary>
public sealed class KernelBenchConfig : ManualConfig
{
    public KernelBenchConfig()
    {
        AddColumn(new ThroughputColumn(gigabytes: true), new ThroughputColumn(gigabytes: false));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
