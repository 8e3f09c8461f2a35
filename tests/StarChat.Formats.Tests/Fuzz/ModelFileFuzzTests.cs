using System.Diagnostics;
using System.Runtime.InteropServices;
using CsCheck;
using StarChat.Formats.IO;
using StarChat.Formats.Tests.Support;
using StarChat.Testing;

namespace StarChat.Formats.Tests.Fuzz;

/// <summary>
/// Every fixture model file, mutated (bit flips, byte overwrites, length fields set to huge or edge values) and
/// truncated, must either open, with every tensor view inside memory the model owns, or fail with a
/// <see cref="ModelFormatException"/>: never another exception, a crash or a hang. The image is patched in place and
/// restored after each case, so no case copies a file.
/// </summary>
public class ModelFileFuzzTests
{
    // About 21 files: the small safetensors/.bin files reach the case count, the GGUF and legacy files (each open
    // parses a 49k-token vocabulary) stop at the time budget. The whole test stays under ~30 s on a loaded 2-core CI.
    private const int CasesPerFile = 250;
    private static readonly TimeSpan s_budgetPerFile = TimeSpan.FromSeconds(1.2);

    private static readonly ulong[] s_edgeValues =
    [
        0, 1, 2, 3, 4, 8, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000,
        1UL << 40, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, ulong.MaxValue, ulong.MaxValue - 1,
    ];

    [Theory, MemberData(nameof(FixturePaths.AllFiles), MemberType = typeof(FixturePaths))]
    public unsafe void Open_MutatedOrTruncatedFixture_OpensOrThrowsModelFormatException(string relative)
    {
        string path = SharedPaths.Fixtures(relative);
        byte[] original = File.ReadAllBytes(path);
        var ranges = StructureMap.Of(path);
        nint image = (nint)NativeMemory.Alloc((nuint)original.Length);
        try
        {
            original.CopyTo(new Span<byte>((void*)image, original.Length));
            int cases = 0, opened = 0;
            var clock = Stopwatch.StartNew();
            MutationGen(original.Length, ranges).Sample(m =>
            {
                if (clock.Elapsed > s_budgetPerFile)
                    return; // the time budget is spent: remaining iterations are no-ops
                cases++;
                var undo = m.Apply(new Span<byte>((void*)image, original.Length));
                try
                {
                    if (OpenAndCheck(ByteSource.Borrow(image, m.Length, relative)))
                        opened++;
                }
                finally
                {
                    Mutation.Undo(new Span<byte>((void*)image, original.Length), undo);
                }
            }, seed: null, iter: CasesPerFile, threads: 1);
            Assert.True(cases >= 10, $"only {cases} cases ran within the budget");
            Assert.True(new Span<byte>((void*)image, original.Length).SequenceEqual(original), "mutations were not undone");
            TestContext.Current.TestOutputHelper?.WriteLine($"{relative}: {cases} cases, {opened} opened, {clock.Elapsed.TotalSeconds:F1}s");
        }
        finally
        {
            NativeMemory.Free((void*)image);
        }
    }

    /// <summary>Opens the image; true when it opened. Any exception other than ModelFormatException escapes and fails the case.</summary>
    private static bool OpenAndCheck(ByteSource source)
    {
        try
        {
            using var model = ModelFile.Open(source);
            foreach (var view in model.FileTensors)
                Assert.True(model.WeightSource.Owns(view), $"tensor '{view.Name}' lies outside the file");
            foreach (var name in model.Weights.Names)
            {
                try
                {
                    var view = model.Weights.Get(name);
                    Assert.True(model.WeightSource.Owns(view), $"weight '{name}' lies outside owned memory");
                }
                catch (ModelFormatException)
                {
                    // e.g. legacy K/V copies that no longer agree: refused when the tensor is first asked for.
                }
            }
            model.Tokenizer?.Summarize();
            return true;
        }
        catch (ModelFormatException)
        {
            return false;
        }
    }

    private static Gen<Mutation> MutationGen(long length, List<(long Start, long End)> ranges)
    {
        var structured = Gen.Int[0, ranges.Count - 1].SelectMany(i => Gen.Long[ranges[i].Start, Math.Max(ranges[i].Start, ranges[i].End - 1)]);
        var offset = Gen.Frequency((4, structured), (1, Gen.Long[0, length - 1]));
        var value = Gen.Frequency((3, Gen.Int[0, s_edgeValues.Length - 1].Select(i => s_edgeValues[i])), (1, Gen.ULong), (1, Gen.Long[0, 2 * length].Select(v => (ulong)v)));
        var edit = Gen.Select(offset, Gen.Int[0, 3], value, (o, k, v) => new Edit(o, (EditKind)k, k == 0 ? v & 7 : v));
        var truncated = Gen.Frequency((3, Gen.Const(length)), (1, offset), (1, Gen.Long[0, length]));
        return Gen.Select(edit.Array[0, 4], truncated, (edits, len) => new Mutation(edits, len));
    }
}
