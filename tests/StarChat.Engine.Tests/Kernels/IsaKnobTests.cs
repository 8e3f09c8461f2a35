using System.Diagnostics;
using System.Text.RegularExpressions;
using StarChat.Engine.Kernels;

namespace StarChat.Engine.Tests.Kernels;

/// <summary>
/// Reruns <see cref="KernelSelfCheckTests"/> in a child process of this test assembly with one runtime ISA knob
/// turned off (ImageSharp's FeatureTestRunner idea), so the rung selection and the public entry points are exercised
/// on each rung the knobs reach. The knob names are the .NET 10 ones; recheck them on runtime upgrades.
/// </summary>
public partial class IsaKnobTests
{
    /// <summary>The AVX-VNNI knob keeps the rung and takes the integer kernels' <c>vpmaddubsw</c> form, so a machine
    /// with AVX-VNNI tests both forms of them.</summary>
    public const string VnniKnob = "DOTNET_EnableAVXVNNI";

    public static TheoryData<string> Knobs => ["DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", VnniKnob];

    [Theory, MemberData(nameof(Knobs))]
    public void SelfCheck_WithKnobOff_PassesOnExpectedRung(string knob)
    {
        var expected = knob switch
        {
            "DOTNET_EnableAVX512" => (KernelPath)Math.Min((int)KernelSelection.Detect(), (int)KernelPath.Vector256),
            VnniKnob => KernelSelection.Detect(),
            _ => KernelPath.Scalar,
        };

        var (exitCode, output) = RunSelfCheck(knob, expected);

        Assert.True(exitCode == 0, $"self-check under {knob}=0 (expecting {expected}) exited {exitCode}:\n{output}");
        Assert.Matches(AllPassedSummary(), output);
    }

    private static (int ExitCode, string Output) RunSelfCheck(string knob, KernelPath expected)
    {
        string assembly = typeof(KernelSelfCheckTests).Assembly.Location;
        string appHost = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        var start = File.Exists(appHost)
            ? new ProcessStartInfo(appHost)
            : new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { ArgumentList = { "exec", assembly } };
        // The test executable's own xUnit runner (not the Testing Platform command line); it exits 0 even when the
        // filter matches nothing, hence the summary check below.
        start.ArgumentList.Add("-class");
        start.ArgumentList.Add(typeof(KernelSelfCheckTests).FullName!);
        start.ArgumentList.Add("-noColor");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // The child must run as a plain console test run, not attach to this run's test host.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("TESTINGPLATFORM_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment.Remove(KernelSelection.OverrideVariable);
        start.Environment[knob] = "0";
        start.Environment[KernelSelfCheckTests.ExpectedPathVariable] = expected.ToString();

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out after 3 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex(@"Total: [1-9][0-9]*, Errors: 0, Failed: 0")]
    private static partial Regex AllPassedSummary();
}
