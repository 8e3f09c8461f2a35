using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Whether this CPU multiplies f32 subnormal operands at full speed. AMD's cores do (measured on Zen 3 and Zen 5: a
/// chain of FMAs with a subnormal factor runs as fast as with a normal one); Intel's multiply them through a microcode
/// assist (on a Xeon, avoiding them doubled single-thread F16 decoding), which is why the exact F16 decoding path
/// (<see cref="HalfDot512"/>) never forms one. Decided once from the CPU vendor.
/// </summary>
internal static class SubnormalOperands
{
    /// <summary>True on AMD (and Hygon, its licensed Zen): subnormal factors cost nothing extra here.</summary>
    public static bool AreFree { get; } = IsAmd();

    private static bool IsAmd()
    {
        if (!X86Base.IsSupported)
            return false;
        // Leaf 0: the vendor string in EBX, EDX, ECX ("Auth" "enti" "cAMD").
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        return vendor.SequenceEqual("AuthenticAMD"u8) || vendor.SequenceEqual("HygonGenuine"u8);
    }
}
