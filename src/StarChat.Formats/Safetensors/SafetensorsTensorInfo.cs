using StarChat.Engine.Tensors;

namespace StarChat.Formats.Safetensors;

/// <summary>One entry of a safetensors header, validated.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">The dtype string as written (e.g. <c>BF16</c>).</param>
/// <param name="Type">The matching tensor type, or null for dtypes this stack does not use (U16, F8_*, ...).</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Begin">Start of the data, relative to the data buffer.</param>
/// <param name="End">End of the data (exclusive), relative to the data buffer.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, TensorType? Type, TensorShape Shape, long Begin, long End)
{
    /// <summary>Bytes of data.</summary>
    public long ByteLength => End - Begin;
}
