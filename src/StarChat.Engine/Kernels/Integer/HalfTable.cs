using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StarChat.Engine.Kernels.Integer;

/// <summary>
/// f16 → f32 for the per-block scales, by table (ggml's <c>ggml_table_f32_f16</c> idea). .NET exposes no scalar
/// F16C conversion and the portable bit-twiddling one costs a dozen instructions and a branch per scale, which is
/// a third of a Q4_0 block's work; real weights' scales fall in a few cache lines of the 256 KiB table.
/// Values are exactly <see cref="HalfWidening.HalfToSingle"/>'s.
/// </summary>
internal static unsafe class HalfTable
{
    // Lives for the whole process, so native memory that is never freed. Set by a module initializer rather than a
    // static constructor: a class with one needs an "initialized yet?" check at each use in native AOT code, and that
    // check's helper call, inside a kernel's loop, made the compiler keep the loop's vector sums in memory (Q8_0
    // decoding at 60 % of its speed). The module initializer runs before any code of this assembly.
    private static float* s_table;

    /// <summary>The table itself, for gathers.</summary>
    public static float* Pointer => s_table;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float At(byte* half) => s_table[Unsafe.ReadUnaligned<ushort>(half)];

#pragma warning disable CA2255 // a library's module initializer: deliberate, see s_table
    [ModuleInitializer]
    internal static void Build()
#pragma warning restore CA2255
    {
        var table = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int bits = 0; bits < 65536; bits++)
            table[bits] = HalfWidening.HalfToSingle((ushort)bits);
        s_table = table;
    }
}
