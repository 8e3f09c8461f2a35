namespace StarChat.Evaluation.Execution;

/// <summary>
/// The shell that runs as the first process of the new namespaces. It makes every mount read-only except the
/// program's folder, sets the rlimits, drops to the worker's user and waits for the program. As the namespace's
/// first process it also reaps orphans; when it ends, the kernel kills whatever is left in the namespace.
/// </summary>
internal static class LauncherScript
{
    /// <summary>Exit code of a failed set-up, printed with <see cref="SetupFailedMarker"/> on stderr.</summary>
    public const int SetupFailedExitCode = 120;

    /// <summary>Text on stderr that tells a set-up failure from a program that happens to exit with 120.</summary>
    public const string SetupFailedMarker = "starchat-sandbox: setup failed";

    // Arguments: $1 work dir, $2 uid, $3 nproc, $4 address space, $5 cpu s, $6 file size, $7 open files, $8 "--", then the command.
    // /proc, /sys and /dev stay as they are: the dropped user cannot write to them anyway, and /proc is the namespace's own.
    public const string Script = """
        work="$1"; uid="$2"; nproc="$3"; as="$4"; cpu="$5"; fsize="$6"; nofile="$7"; shift 8
        fail() { echo "starchat-sandbox: setup failed: $1" >&2; exit 120; }
        mount --make-rprivate / || fail "make-rprivate"
        mount --bind "$work" "$work" || fail "bind $work"
        while read -r _ mnt _; do
          case "$mnt" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/pts|/dev/mqueue|"$work") continue;; esac
          mount -o remount,bind,ro "$mnt" 2>/dev/null
        done < /proc/self/mounts
        if touch /.starchat-ro-check 2>/dev/null; then rm -f /.starchat-ro-check; fail "root file system still writable"; fi
        cd "$work" || fail "cd $work"
        prlimit --nproc="$nproc" --as="$as" --cpu="$cpu" --fsize="$fsize" --nofile="$nofile" --core=0 -- \
          setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs -- "$@" &
        wait $!
        """;
}
