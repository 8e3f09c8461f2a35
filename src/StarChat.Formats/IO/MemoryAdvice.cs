using System.Runtime.InteropServices;

namespace StarChat.Formats.IO;

/// <summary>
/// <c>madvise(2)</c> on Linux for the pages of a mapped file. Only advice: where the kernel or C library lacks it, the
/// mapping works the same, only slower to fault in.
/// </summary>
internal static unsafe partial class MemoryAdvice
{
    private const int PageBytes = 4096;

    /// <summary><c>MADV_HUGEPAGE</c>: back the range with 2 MiB pages where the page cache can.</summary>
    public const int HugePage = 14;

    /// <summary><c>MADV_POPULATE_READ</c> (Linux 5.14): fill the page tables as read faults would, without the faults.</summary>
    public const int PopulateRead = 22;

    /// <summary>What <see cref="Advise"/> got back.</summary>
    public enum Outcome
    {
        /// <summary>The kernel took the advice.</summary>
        Done,

        /// <summary>Not on this system (not Linux, no such libc entry, or a kernel without this advice: EINVAL, ENOSYS).</summary>
        Unsupported,

        /// <summary>The kernel refused for another reason, e.g. the file shrank under the mapping (EFAULT).</summary>
        Failed,
    }

    private const int EINVAL = 22, ENOSYS = 38;

    /// <summary>Gives <paramref name="advice"/> for <c>[start, start + length)</c>, widened to whole pages.</summary>
    public static Outcome Advise(byte* start, long length, int advice)
    {
        if (!OperatingSystem.IsLinux())
            return Outcome.Unsupported;
        nuint misalignment = (nuint)start % PageBytes;
        try
        {
            if (Madvise(start - misalignment, (nuint)length + misalignment, advice) == 0)
                return Outcome.Done;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return Outcome.Unsupported;
        }
        return Marshal.GetLastPInvokeError() is EINVAL or ENOSYS ? Outcome.Unsupported : Outcome.Failed;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(void* address, nuint length, int advice);
}
