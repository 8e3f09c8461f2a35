using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StarChat.Engine.Kernels;

/// <summary>
/// Converts whole rows between f16/bf16 and f32: the weight rows of F16/BF16 tensors, and the f16 KV cache.
/// Widening is exact on every rung (including subnormals, ±∞ and NaN payloads); narrowing to f16 rounds to nearest even.
/// </summary>
public static class FloatConversion
{
    /// <summary>destination[i] = (float)source[i].</summary>
    /// <exception cref="ArgumentException">destination is shorter than source.</exception>
    public static void HalfToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        KernelGuard.AtLeast(source.Length, destination.Length, nameof(destination));
        HalfToSingle(KernelSelection.Current, MemoryMarshal.Cast<Half, ushort>(source), destination);
    }

    /// <summary>destination[i] = the f32 whose upper 16 bits are source[i] (bfloat16 bit patterns).</summary>
    /// <exception cref="ArgumentException">destination is shorter than source.</exception>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        KernelGuard.AtLeast(source.Length, destination.Length, nameof(destination));
        BFloat16ToSingle(KernelSelection.Current, source, destination);
    }

    /// <summary>destination[i] = (Half)source[i], rounding to nearest even (for writing an f16 KV cache).</summary>
    /// <exception cref="ArgumentException">destination is shorter than source.</exception>
    public static void SingleToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        KernelGuard.AtLeast(source.Length, destination.Length, nameof(destination));
        // Cold path (one K and one V row per token and layer): System.Half's conversion is exact and fast enough.
        for (int i = 0; i < source.Length; i++)
            destination[i] = (Half)source[i];
    }

    // How far ahead the AVX-512 f16 widening fetches its source. Measured when every F16 prompt widened whole blocks
    // (64 KiB of f16 for 2048 inputs) read from memory once, between tiles that hold the core for much longer: with both
    // threads widening, the widening ran at 3.15 GB/s per thread without the fetches and 3.39 with them (timed inside
    // the F16 kernel, one run each; 2 and 8 KiB ahead: 3.42 and 3.20); F16 pp128 on StarCoderBase-1B shapes, 5-round
    // alternating runs: +5 % (together with a prefetch of the next block's head, not kept), +7 %, and +5 % against the
    // previous build. Whole blocks are still widened for prompts of fewer than 16 tokens; TokenLaneTiles, which widens
    // 1 KiB slices and fetches the next slice itself, runs through here too (4 KiB ahead then lands further along the
    // same rows or in the next ones).
    private const int StreamPrefetchBytes = 4096;

    internal static unsafe void HalfToSingle(KernelPath path, ReadOnlySpan<ushort> source, Span<float> destination)
    {
        ref ushort ps = ref MemoryMarshal.GetReference(source);
        ref float pd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)source.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            var half = new HalfWidening.ScaledHalf512();
            if (Sse.IsSupported)
            {
                // A cache line (32 halves) per step, fetched StreamPrefetchBytes ahead: past its end the fetches are
                // harmless hints.
                for (; i + 32 <= n; i += 32)
                {
                    Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref ps, i + StreamPrefetchBytes / sizeof(ushort))));
                    half.Widen(HalfWidening.Load16(ref ps, i)).StoreUnsafe(ref pd, i);
                    half.Widen(HalfWidening.Load16(ref ps, i + 16)).StoreUnsafe(ref pd, i + 16);
                }
            }
            for (; i + 16 <= n; i += 16)
                half.Widen(HalfWidening.Load16(ref ps, i)).StoreUnsafe(ref pd, i);
        }
        else if (path == KernelPath.Vector256)
        {
            var half = new HalfWidening.Half256();
            for (; i + 8 <= n; i += 8)
                half.Widen(HalfWidening.Load8(ref ps, i)).StoreUnsafe(ref pd, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = HalfWidening.HalfToSingle(Unsafe.Add(ref ps, i));
    }

    internal static void BFloat16ToSingle(KernelPath path, ReadOnlySpan<ushort> source, Span<float> destination)
    {
        ref ushort ps = ref MemoryMarshal.GetReference(source);
        ref float pd = ref MemoryMarshal.GetReference(destination);
        nuint n = (nuint)source.Length, i = 0;
        if (path == KernelPath.Vector512)
        {
            for (; i + 16 <= n; i += 16)
                HalfWidening.BFloat16ToSingle(HalfWidening.Load16(ref ps, i)).StoreUnsafe(ref pd, i);
        }
        else if (path == KernelPath.Vector256)
        {
            for (; i + 8 <= n; i += 8)
                HalfWidening.BFloat16ToSingle(HalfWidening.Load8(ref ps, i)).StoreUnsafe(ref pd, i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref pd, i) = HalfWidening.BFloat16ToSingle(Unsafe.Add(ref ps, i));
    }
}
