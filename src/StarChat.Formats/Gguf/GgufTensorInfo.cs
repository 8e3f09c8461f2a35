using StarChat.Engine.Tensors;

namespace StarChat.Formats.Gguf;

/// <summary>One tensor info record of a GGUF file, validated.</summary>
/// <param name="Name">Tensor name as stored (e.g. <c>blk.0.attn_qkv.weight</c>).</param>
/// <param name="Type">Element or block type.</param>
/// <param name="Shape">Dimensions outermost first (the file's <c>ne</c> reversed).</param>
/// <param name="Offset">Offset of the data relative to the start of the data section.</param>
/// <param name="ByteLength">Bytes of data.</param>
/// <param name="InfoOffset">File offset of the info record, for messages.</param>
public sealed record GgufTensorInfo(string Name, TensorType Type, TensorShape Shape, long Offset, long ByteLength, long InfoOffset);
