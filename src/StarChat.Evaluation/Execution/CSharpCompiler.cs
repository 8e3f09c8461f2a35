using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace StarChat.Evaluation.Execution;

/// <summary>
/// Compiles one C# program to a console assembly in-process with Roslyn, against the running .NET's own framework
/// assemblies, with <c>DEBUG</c> defined so <c>Debug.Assert</c> checks are compiled in (MultiPL-E's
/// <c>csc /d:DEBUG</c>). Reusing one process and one set of metadata references is what makes thousands of programs
/// practical: a warm compile takes milliseconds, where starting <c>csc</c> takes a second.
/// </summary>
public static class CSharpCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadFrameworkReferences);

    private static readonly CSharpParseOptions s_parse = new CSharpParseOptions(LanguageVersion.Latest).WithPreprocessorSymbols("DEBUG");

    private static readonly CSharpCompilationOptions s_options = new(OutputKind.ConsoleApplication,
        optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Disable, allowUnsafe: false,
        concurrentBuild: false, deterministic: true);

    /// <summary>The result: the assembly bytes, or the first errors.</summary>
    /// <param name="Assembly">IL image when compilation succeeded.</param>
    /// <param name="Errors">Error diagnostics (at most 5), as <c>(line,col): CS0000: message</c>.</param>
    public sealed record Result(byte[]? Assembly, IReadOnlyList<string> Errors)
    {
        /// <summary>True when an assembly was produced.</summary>
        public bool Succeeded => Assembly is not null;
    }

    /// <summary>
    /// Compiled beside every program: a failed <c>Debug.Assert</c> or an unhandled exception prints its message and
    /// exits with code 1 instead of aborting the runtime (which writes a crash report and costs about 0.3 s), as
    /// MultiPL-E's Mono runs print <c>DefaultTraceListener.Fail</c> and go on. Same verdicts, half the time.
    /// </summary>
    internal const string GradingHooks = """
        namespace StarChatGrading
        {
            internal static class Hooks
            {
                [System.Runtime.CompilerServices.ModuleInitializer]
                internal static void Install()
                {
                    System.Diagnostics.Trace.Listeners.Clear();
                    System.Diagnostics.Trace.Listeners.Add(new FailListener());
                    System.AppDomain.CurrentDomain.UnhandledException += (_, e) =>
                    {
                        System.Console.Error.WriteLine("Unhandled exception. " + e.ExceptionObject);
                        System.Console.Error.Flush();
                        System.Environment.Exit(1);
                    };
                }
            }

            internal sealed class FailListener : System.Diagnostics.TraceListener
            {
                public override void Write(string message) { }
                public override void WriteLine(string message) { }
                public override void Fail(string message, string detailMessage)
                {
                    System.Console.Error.WriteLine("Assertion failed. " + message + " " + detailMessage);
                    System.Console.Error.Flush();
                    System.Environment.Exit(1);
                }
            }
        }
        """;

    private static readonly Lazy<SyntaxTree> s_hooks = new(() => CSharpSyntaxTree.ParseText(GradingHooks, s_parse, "StarChatGrading.cs"));

    /// <summary>Compiles <paramref name="source"/> as an executable named <paramref name="assemblyName"/>.</summary>
    public static Result Compile(string source, string assemblyName = "program")
    {
        var tree = CSharpSyntaxTree.ParseText(source, s_parse);
        var compilation = CSharpCompilation.Create(assemblyName, [tree, s_hooks.Value], s_references.Value, s_options);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (emitted.Success) return new Result(image.ToArray(), []);
        var errors = emitted.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree == tree)
            .Take(5)
            .Select(d =>
            {
                var at = d.Location.GetLineSpan().StartLinePosition;
                return $"({at.Line + 1},{at.Character + 1}): {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .ToList();
        return new Result(null, errors);
    }

    /// <summary><c>program.runtimeconfig.json</c> that runs an assembly on this process's runtime version.</summary>
    public static string RuntimeConfigJson()
        => $$"""
        {
          "runtimeOptions": {
            "tfm": "net{{Environment.Version.Major}}.{{Environment.Version.Minor}}",
            "framework": { "name": "Microsoft.NETCore.App", "version": "{{SharedFramework.Current.Version}}" },
            "configProperties": { "System.GC.Server": false, "System.Globalization.Invariant": true }
          }
        }
        """;

    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        // The shared framework's implementation assemblies compile fine as references and match what runs.
        string dir = SharedFramework.Current.Directory;
        var refs = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var dll in Directory.EnumerateFiles(dir, "*.dll"))
        {
            string name = Path.GetFileName(dll);
            if (!(name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll" or "Microsoft.CSharp.dll" or "Microsoft.VisualBasic.dll"))
                continue;
            if (name.Contains(".Native", StringComparison.Ordinal)) continue;
            try
            {
                using var stream = File.OpenRead(dll);
                using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
                if (!pe.HasMetadata) continue;
            }
            catch (BadImageFormatException)
            {
                continue;
            }
            refs.Add(MetadataReference.CreateFromFile(dll));
        }
        return refs.ToImmutable();
    }
}
