namespace StarChat.Engine.Quantization;

/// <summary>Argument checks shared by the row functions; the messages name the offending argument and sizes.</summary>
internal static class QuantArgs
{
    /// <summary>Throws unless a byte buffer holds exactly the <paramref name="expected"/> bytes.</summary>
    public static void CheckBytes(int actual, long expected, string paramName)
    {
        if (actual != expected)
            throw new ArgumentException($"{paramName} has {actual} bytes; {expected} expected", paramName);
    }

    /// <summary>Throws unless <paramref name="elements"/> values fill exactly <paramref name="blocks"/> blocks of <paramref name="blockSize"/>.</summary>
    public static void CheckBlocks(int blocks, int blockSize, int elements, string paramName)
    {
        if ((long)blocks * blockSize != elements)
            throw new ArgumentException($"{paramName} has {elements} values; {blocks} blocks of {blockSize} need {(long)blocks * blockSize}", paramName);
    }

    /// <summary>Throws unless two block rows have the same number of blocks (a dot product's operands).</summary>
    public static void CheckSameLength(int weightBlocks, int activationBlocks, string paramName)
    {
        if (weightBlocks != activationBlocks)
            throw new ArgumentException($"{paramName} has {activationBlocks} blocks; the weights have {weightBlocks}", paramName);
    }
}
