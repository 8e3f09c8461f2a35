namespace StarChat.Evaluation.LmEval;

/// <summary>An evaluation cannot go on: an unknown task, an unusable setting, a request that cannot be scored, an endpoint failure.</summary>
public class LmEvalException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LmEvalException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
