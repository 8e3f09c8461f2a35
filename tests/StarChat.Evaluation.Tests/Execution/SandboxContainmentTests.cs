using System.Net;
using System.Net.Sockets;
using StarChat.Evaluation.Execution;

namespace StarChat.Evaluation.Tests.Execution;

/// <summary>The hostile programs: each must be contained, leave nothing behind and not hang the run.</summary>
public class SandboxContainmentTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(3);

    private static Task<ExecutionOutcome> Python(string program) => SharedSandbox.Python.RunAsync(program, Short);

    [Fact]
    public async Task Run_Forkbomb_IsStoppedAndLeavesNoProcess()
    {
        string marker = $"forkbomb-{Guid.NewGuid():N}";
        // Re-exec first so every forked copy carries the marker on its command line, where the test can look for it.
        var outcome = await Python($$"""
            import os, sys
            bomb = "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.05)\n"
            os.execv(sys.executable, [sys.executable, "-c", bomb, "{{marker}}"])
            """);
        Assert.False(outcome.Passed);
        Assert.Equal(ExecutionOutcome.TimedOut, outcome.Result);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(15), $"took {outcome.Elapsed}");
        Assert.Empty(SharedSandbox.ProcessesWithMarker(marker));
    }

    [Fact]
    public async Task Run_ForkbombUnderNamespaces_HitsTheProcessLimit()
    {
        SharedSandbox.RequireNamespaces();
        var outcome = await Python("""
            import os, sys
            children = 0
            try:
                while True:
                    if os.fork() == 0:
                        import time; time.sleep(30); os._exit(0)
                    children += 1
            except OSError as e:
                raise AssertionError(f"fork refused after {children}: {e}")
            """);
        Assert.StartsWith("failed: fork refused after", outcome.Result, StringComparison.Ordinal);
        int children = int.Parse(outcome.Result.Split(' ')[4].TrimEnd(':'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(children, 1, SharedSandbox.Python.Limits.MaxProcesses);
    }

    [Fact]
    public async Task Run_DaemonizedGrandchild_IsKilledAtTheEnd()
    {
        string marker = $"daemon-{Guid.NewGuid():N}";
        var outcome = await Python($$"""
            import os, subprocess, sys
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "{{marker}}"],
                             start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            """);
        Assert.True(outcome.Passed, outcome.Result);
        Assert.Empty(SharedSandbox.ProcessesWithMarker(marker));
    }

    [Fact]
    public async Task Run_MemoryHog_FailsWithMemoryError()
    {
        var outcome = await Python("block = bytearray(16 * 1024 ** 3)\nblock[-1] = 1");
        Assert.False(outcome.Passed);
        Assert.StartsWith("failed", outcome.Result, StringComparison.Ordinal);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(10), $"took {outcome.Elapsed}");
    }

    [Fact]
    public async Task Run_InfiniteLoop_TimesOutNearTheLimit()
    {
        var outcome = await SharedSandbox.Python.RunAsync("while True:\n    pass", TimeSpan.FromSeconds(1));
        Assert.Equal(ExecutionOutcome.TimedOut, outcome.Result);
        Assert.InRange(outcome.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1) + PythonRunner.StartupAllowance + TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Run_SocketToLocalListener_NeverConnects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var outcome = await Python($"""
            import socket
            s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
            s.sendall(b"escaped")
            """);
        Assert.False(outcome.Passed);
        Assert.False(listener.Pending(), "the sandboxed program reached a listener on the host");
        if (!SharedSandbox.Instance.NetworkIsolated)
            Assert.Contains("refused", outcome.Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WriteOutsideItsFolder_LeavesNoFile()
    {
        SharedSandbox.RequireNamespaces();
        string inTmp = Path.Combine(Path.GetTempPath(), $"escape-{Guid.NewGuid():N}.txt");
        string inRoot = Path.Combine(SharedSandbox.Instance.RootDirectory, $"escape-{Guid.NewGuid():N}.txt");
        string inShm = $"/dev/shm/escape-{Guid.NewGuid():N}";
        var outcome = await Python($$"""
            written = []
            for path in ["{{inTmp}}", "{{inRoot}}", "{{inShm}}", "/escape.txt"]:
                try:
                    with open(path, "w") as f:
                        f.write("x")
                    written.append(path)
                except OSError:
                    pass
            open("inside.txt", "w").write("allowed")
            assert not written, written
            """);
        Assert.True(outcome.Passed, outcome.Result);
        Assert.False(File.Exists(inTmp));
        Assert.False(File.Exists(inRoot));
        Assert.False(File.Exists(inShm));
        Assert.False(File.Exists("/escape.txt"));
    }

    [Fact]
    public async Task Run_HugeOutput_IsCappedAndDoesNotBlock()
    {
        var outcome = await Python("import sys\nfor _ in range(200000):\n    sys.stdout.write('x' * 100 + '\\n')");
        Assert.True(outcome.Passed, outcome.Result);
        Assert.True(outcome.Output.Length <= SharedSandbox.Python.Limits.MaxOutputBytes * 2 + 1);
    }
}
