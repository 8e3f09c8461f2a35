using System.Text.Json.Serialization;
using StarChat.Text.Chat;

namespace StarChat.Text;

/// <summary>
/// Compile-time JSON metadata for the files this library reads, so that they parse without reflection (and in a
/// native AOT build, where reflection-based serialization is off).
/// </summary>
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(DialogueTemplate))]
internal sealed partial class TextJsonContext : JsonSerializerContext;
