using System.CommandLine;
using System.Diagnostics;

namespace StarChat.Cli.Tests;

/// <summary>
/// Runs the CLI in-process with captured output, or as a child process when stdin matters. With <c>STARCHAT_CLI</c> set
/// to a built CLI (the launcher's native AOT binary, in CI), every run is a child process of that program instead, so
/// the same tests check the binary users run.
/// </summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err);

    /// <summary>The CLI program under test when it is not this process's own build.</summary>
    public static string? Program { get; } = Environment.GetEnvironmentVariable("STARCHAT_CLI") is { Length: > 0 } cli ? Path.GetFullPath(cli) : null;

    /// <summary>How to start the CLI as a child process with <paramref name="args"/>.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
        => Program is not null
            ? new ProcessStartInfo(Program, args)
            : new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "starchat.dll"), .. args]);

    public static Result Run(params string[] args)
    {
        if (Program is not null) return RunProcess("", args);
        var output = new StringWriter();
        var error = new StringWriter();
        int code = StarChatCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return new Result(code, output.ToString(), error.ToString());
    }

    public static Result RunProcess(string stdin, params string[] args)
    {
        var psi = StartInfo(args);
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("starchat did not exit within 2 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
