namespace StarChat.Evaluation.CodeTasks;

/// <summary>The language a task's programs are written in, which picks the runner that executes them.</summary>
public enum ProgramLanguage
{
    /// <summary>Python 3, run by the interpreter (HumanEval, MBPP).</summary>
    Python,
    /// <summary>C#, compiled in-process and run on the .NET runtime (MultiPL-E <c>cs</c>).</summary>
    CSharp,
}
