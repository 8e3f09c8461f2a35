using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Picks the kernel rung once, at start-up: <see cref="KernelPath.Vector512"/> when the JIT accelerates
/// <c>Vector512</c>, else <see cref="KernelPath.Vector256"/> when it accelerates <c>Vector256</c>, else scalar.
/// The <c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c> runtime
/// knobs therefore move the choice down the ladder, and <c>STARCHAT_KERNEL_PATH</c>
/// (<c>scalar</c>, <c>vector256</c>, <c>vector512</c>) forces a rung for debugging and benchmarks. The native AOT
/// CLI has its instruction sets fixed when it is built, so there only <c>STARCHAT_KERNEL_PATH</c> moves the choice.
/// </summary>
public static class KernelSelection
{
    /// <summary>Environment variable that forces a rung (case-insensitive rung name).</summary>
    public const string OverrideVariable = "STARCHAT_KERNEL_PATH";

    private static KernelPath s_current = FromEnvironment() ?? Detect();

    /// <summary>The rung every public kernel entry point dispatches to.</summary>
    public static KernelPath Current => s_current;

    /// <summary>The widest rung the JIT accelerates on this machine under the current runtime knobs.</summary>
    public static KernelPath Detect()
        => Vector512.IsHardwareAccelerated ? KernelPath.Vector512
            : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
            : KernelPath.Scalar;

    /// <summary>
    /// True when the rung runs in hardware here. A rung that is not accelerated still computes correct results
    /// (the <c>Vector256/512</c> APIs fall back to software), only slowly.
    /// </summary>
    public static bool IsAccelerated(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
        KernelPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>Replaces the rung for the whole process; returns the previous one. For tests and benchmarks only.</summary>
    internal static KernelPath Override(KernelPath path)
    {
        if (!Enum.IsDefined(path))
            throw new ArgumentOutOfRangeException(nameof(path), path, "unknown kernel path");
        var previous = s_current;
        s_current = path;
        return previous;
    }

    internal static KernelPath? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "scalar" => KernelPath.Scalar,
        "vector256" or "v256" or "avx2" => KernelPath.Vector256,
        "vector512" or "v512" or "avx512" => KernelPath.Vector512,
        _ => null,
    };

    private static KernelPath? FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(OverrideVariable);
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return Parse(text) ?? throw new InvalidOperationException(
            $"{OverrideVariable}='{text}' is not a kernel path (scalar, vector256, vector512)");
    }
}
