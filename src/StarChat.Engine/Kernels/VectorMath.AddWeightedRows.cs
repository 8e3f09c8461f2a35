using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StarChat.Engine.Kernels;

public static partial class VectorMath
{
    /// <summary>
    /// destination[i] += Σ_r weights[r]·rows[r·destination.Length + i]: a weighted sum of consecutive rows (the
    /// attention output Σ_j p_j·v_j). The vector rungs keep a strip of the destination in registers across all rows,
    /// so each row element is loaded once and the destination is stored once per strip, not once per row.
    /// </summary>
    internal static void AddWeightedRows(KernelPath path, Span<float> destination, ReadOnlySpan<float> rows,
        ReadOnlySpan<float> weights)
    {
        int width = destination.Length, count = weights.Length;
        KernelGuard.AtLeast(width * count, rows.Length, nameof(rows));
        ref float pd = ref MemoryMarshal.GetReference(destination);
        ref float pr = ref MemoryMarshal.GetReference(rows);
        ref float pw = ref MemoryMarshal.GetReference(weights);
        nuint n = (nuint)width, stride = (nuint)width, i = 0;
        if (path == KernelPath.Vector512)
        {
            for (; i + 32 <= n; i += 32)
            {
                var a0 = Vector512.LoadUnsafe(ref pd, i);
                var a1 = Vector512.LoadUnsafe(ref pd, i + 16);
                ref float row = ref Unsafe.Add(ref pr, i);
                for (int r = 0; r < count; r++, row = ref Unsafe.Add(ref row, stride))
                {
                    var p = Vector512.Create(Unsafe.Add(ref pw, r));
                    a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref row), p, a0);
                    a1 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref row, 16), p, a1);
                }
                a0.StoreUnsafe(ref pd, i);
                a1.StoreUnsafe(ref pd, i + 16);
            }
            for (; i + 16 <= n; i += 16)
            {
                var a = Vector512.LoadUnsafe(ref pd, i);
                ref float row = ref Unsafe.Add(ref pr, i);
                for (int r = 0; r < count; r++, row = ref Unsafe.Add(ref row, stride))
                    a = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref row), Vector512.Create(Unsafe.Add(ref pw, r)), a);
                a.StoreUnsafe(ref pd, i);
            }
        }
        else if (path == KernelPath.Vector256)
        {
            for (; i + 32 <= n; i += 32)
            {
                var a0 = Vector256.LoadUnsafe(ref pd, i);
                var a1 = Vector256.LoadUnsafe(ref pd, i + 8);
                var a2 = Vector256.LoadUnsafe(ref pd, i + 16);
                var a3 = Vector256.LoadUnsafe(ref pd, i + 24);
                ref float row = ref Unsafe.Add(ref pr, i);
                for (int r = 0; r < count; r++, row = ref Unsafe.Add(ref row, stride))
                {
                    var p = Vector256.Create(Unsafe.Add(ref pw, r));
                    a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row), p, a0);
                    a1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row, 8), p, a1);
                    a2 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row, 16), p, a2);
                    a3 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row, 24), p, a3);
                }
                a0.StoreUnsafe(ref pd, i);
                a1.StoreUnsafe(ref pd, i + 8);
                a2.StoreUnsafe(ref pd, i + 16);
                a3.StoreUnsafe(ref pd, i + 24);
            }
            for (; i + 8 <= n; i += 8)
            {
                var a = Vector256.LoadUnsafe(ref pd, i);
                ref float row = ref Unsafe.Add(ref pr, i);
                for (int r = 0; r < count; r++, row = ref Unsafe.Add(ref row, stride))
                    a = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref row), Vector256.Create(Unsafe.Add(ref pw, r)), a);
                a.StoreUnsafe(ref pd, i);
            }
        }
        // The scalar rung, and columns left over by the vector strips: row by row, as the definition reads.
        for (; i < n; i++)
        {
            float sum = Unsafe.Add(ref pd, i);
            for (nuint r = 0; r < (nuint)count; r++)
                sum += Unsafe.Add(ref pw, r) * Unsafe.Add(ref pr, r * stride + i);
            Unsafe.Add(ref pd, i) = sum;
        }
    }
}
