using StarChat.Engine.Tensors;

namespace StarChat.Generation.Conversion;

/// <summary>One tensor of a written GGUF: its name, the type it had and the type it got.</summary>
/// <param name="Name">GGUF name.</param>
/// <param name="SourceType">Type in the input.</param>
/// <param name="Type">Type written.</param>
/// <param name="Shape">Shape, outermost first.</param>
public sealed record ConvertedTensor(string Name, TensorType SourceType, TensorType Type, TensorShape Shape);

/// <summary>A type a tensor could not take because of its row length, and what it got instead (as llama-quantize reports).</summary>
/// <param name="Tensor">GGUF name.</param>
/// <param name="Wanted">Type the mix asked for.</param>
/// <param name="Used">Type written.</param>
public sealed record TypeFallback(string Tensor, TensorType Wanted, TensorType Used);

/// <summary>What a conversion wrote.</summary>
/// <param name="Output">The file.</param>
/// <param name="FileType"><c>general.file_type</c> written.</param>
/// <param name="Tensors">Every tensor in file order.</param>
/// <param name="Fallbacks">Row-length fallbacks.</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="Notes">Anything the user should know (requantized input, dropped tied head, ...).</param>
public sealed record ConversionResult(string Output, int FileType, IReadOnlyList<ConvertedTensor> Tensors, IReadOnlyList<TypeFallback> Fallbacks, long Bytes, IReadOnlyList<string> Notes);

/// <summary>Settings of a conversion.</summary>
public sealed record ConversionOptions
{
    /// <summary>Threads for quantizing (default: all cores).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary><c>general.name</c>; default: from the input's metadata or the name of <see cref="NamedAfter"/>.</summary>
    public string? Name { get; init; }

    /// <summary>What the default name comes from when the input has none: its folder or file name, unless the input
    /// was resolved from something else (a Hub id such as <c>org/name</c>, whose snapshot folder is a commit hash).</summary>
    public string? NamedAfter { get; init; }
}
