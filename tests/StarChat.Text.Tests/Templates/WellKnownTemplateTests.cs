using System.Text.Json;
using StarChat.Text.Chat;
using StarChat.Text.Templates;

namespace StarChat.Text.Tests.Templates;

/// <summary>
/// Real chat templates render what Hugging Face's <c>apply_chat_template</c> gives for the same conversation
/// (expected strings worked out from each template by hand; they agree with the outputs other engines' test suites
/// record from transformers for this conversation).
/// </summary>
public class WellKnownTemplateTests
{
    private static readonly ChatMessage[] s_withSystem =
    [
        ChatMessage.System("You are a helpful assistant"),
        ChatMessage.User("Hello"),
        ChatMessage.Assistant("Hi there"),
        ChatMessage.User("Who are you"),
        ChatMessage.Assistant("   I am an assistant   "),
        ChatMessage.User("Another question"),
    ];

    private static readonly ChatMessage[] s_withoutSystem = s_withSystem[1..];

    public static TheoryData<string, string, bool, string> Cases => new()
    {
        {
            "ChatML", WellKnownTemplates.ChatMl, true,
            "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there<|im_end|>\n<|im_start|>user\nWho are you<|im_end|>\n<|im_start|>assistant\n   I am an assistant   <|im_end|>\n<|im_start|>user\nAnother question<|im_end|>\n<|im_start|>assistant\n"
        },
        {
            "Zephyr", WellKnownTemplates.Zephyr, true,
            "<|system|>\nYou are a helpful assistant</s>\n<|user|>\nHello</s>\n<|assistant|>\nHi there</s>\n<|user|>\nWho are you</s>\n<|assistant|>\n   I am an assistant   </s>\n<|user|>\nAnother question</s>\n<|assistant|>\n"
        },
        {
            "Llama-2", WellKnownTemplates.Llama2, true,
            "<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Who are you [/INST] I am an assistant </s><s>[INST] Another question [/INST]"
        },
        {
            "Mistral", WellKnownTemplates.Mistral, false,
            "<s>[INST] Hello [/INST]Hi there</s> [INST] Who are you [/INST]   I am an assistant   </s> [INST] Another question [/INST]"
        },
        {
            "Mixtral", WellKnownTemplates.Mixtral, false,
            "<s>[INST] Hello [/INST]Hi there</s>[INST] Who are you [/INST]   I am an assistant   </s>[INST] Another question [/INST]"
        },
        {
            "Phi-3", WellKnownTemplates.Phi3, true,
            "<|system|>\nYou are a helpful assistant<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\nHi there<|end|>\n<|user|>\nWho are you<|end|>\n<|assistant|>\n   I am an assistant   <|end|>\n<|user|>\nAnother question<|end|>\n<|assistant|>\n"
        },
        {
            "Gemma", WellKnownTemplates.Gemma, false,
            "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nWho are you<end_of_turn>\n<start_of_turn>model\nI am an assistant<end_of_turn>\n<start_of_turn>user\nAnother question<end_of_turn>\n<start_of_turn>model\n"
        },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Render_WellKnownTemplate_MatchesHuggingFaceOutput(string model, string source, bool withSystem, string expected)
    {
        var context = Context(withSystem ? s_withSystem : s_withoutSystem, model);
        Assert.Equal(expected, ChatTemplate.Parse(source).RenderToString(context));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Render_WellKnownTemplate_KeepsEveryMessageContentPlain(string model, string source, bool withSystem, string expected)
    {
        _ = expected;
        var messages = withSystem ? s_withSystem : s_withoutSystem;
        var segments = ChatTemplate.Parse(source).Render(Context(messages, model));
        var controlText = string.Concat(segments.Where(s => s.ParseSpecialTokens).Select(s => s.Text));
        foreach (var m in messages)
            Assert.DoesNotContain(m.Content.Trim(), controlText, StringComparison.Ordinal);
        Assert.Equal(expected, PromptSegments.Concat(segments));
    }

    [Fact]
    public void Render_ZephyrWithoutGenerationPrompt_EndsAfterLastTurn()
    {
        var text = ChatTemplate.Parse(WellKnownTemplates.Zephyr).RenderToString(Context(s_withSystem[..2], "Zephyr") with { AddGenerationPrompt = false });
        Assert.Equal("<|system|>\nYou are a helpful assistant</s>\n<|user|>\nHello</s>\n", text);
    }

    [Fact]
    public void Render_Phi3WithoutGenerationPrompt_EndsWithEos()
    {
        var text = ChatTemplate.Parse(WellKnownTemplates.Phi3).RenderToString(Context(s_withSystem[1..2], "Phi-3") with { AddGenerationPrompt = false });
        Assert.Equal("<|user|>\nHello<|end|>\n<|endoftext|>", text);
    }

    [Theory]
    [InlineData("Llama-2", "Conversation roles must alternate user/assistant/user/assistant/...")]
    [InlineData("Mixtral", "Conversation roles must alternate user/assistant/user/assistant/...")]
    [InlineData("Gemma", "Conversation roles must alternate user/assistant/user/assistant/...")]
    public void Render_NonAlternatingRoles_RaisesTheTemplatesError(string model, string message)
    {
        var source = model switch { "Llama-2" => WellKnownTemplates.Llama2, "Mixtral" => WellKnownTemplates.Mixtral, _ => WellKnownTemplates.Gemma };
        var e = Assert.Throws<TemplateRaisedException>(() =>
            ChatTemplate.Parse(source).RenderToString(Context([ChatMessage.User("a"), ChatMessage.User("b")], model)));
        Assert.Equal(message, e.Reason);
    }

    [Fact]
    public void Render_GemmaWithSystemMessage_RaisesSystemRoleNotSupported()
    {
        var e = Assert.Throws<TemplateRaisedException>(() =>
            ChatTemplate.Parse(WellKnownTemplates.Gemma).RenderToString(Context(s_withSystem, "Gemma")));
        Assert.Equal("System role not supported", e.Reason);
        Assert.Equal(1, e.Line);
    }

    [Fact]
    public void Render_MistralWithUnknownRole_RaisesOnlyUserAndAssistant()
    {
        var e = Assert.Throws<TemplateRaisedException>(() =>
            ChatTemplate.Parse(WellKnownTemplates.Mistral).RenderToString(Context([ChatMessage.User("a"), new ChatMessage("tool", "b")], "Mistral")));
        Assert.Equal("Only user and assistant roles are supported!", e.Reason);
    }

    [Fact]
    public void Render_Llama32WithTools_PutsToolsInFirstUserMessage()
    {
        using var tools = JsonDocument.Parse("""[{"name": "get_weather", "parameters": {"city": "string"}}]""");
        var context = new ChatTemplateContext([ChatMessage.System("  Be brief.  "), ChatMessage.User(" What's the weather in Paris? ")])
        {
            AddGenerationPrompt = true,
            BosToken = "<|begin_of_text|>",
            Now = new DateTimeOffset(2024, 7, 26, 9, 0, 0, TimeSpan.Zero),
            Variables = new Dictionary<string, object?> { ["tools"] = tools.RootElement.Clone() },
        };
        var segments = ChatTemplate.Parse(WellKnownTemplates.Llama32).Render(context);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
            "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" +
            "Be brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\n" +
            "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
            "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n" +
            "{\n    \"name\": \"get_weather\",\n    \"parameters\": {\n        \"city\": \"string\"\n    }\n}\n\n" +
            "What's the weather in Paris?<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            PromptSegments.Concat(segments));
        var controlText = string.Concat(segments.Where(s => s.ParseSpecialTokens).Select(s => s.Text));
        Assert.DoesNotContain("Paris", controlText, StringComparison.Ordinal);
        Assert.DoesNotContain("get_weather", controlText, StringComparison.Ordinal);
        Assert.Contains("<|start_header_id|>user<|end_header_id|>", controlText, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Llama32WithoutTools_HasNoToolPreamble()
    {
        var context = new ChatTemplateContext([ChatMessage.User("Hi")]) { AddGenerationPrompt = true, BosToken = "<|begin_of_text|>", Now = new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero) };
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 02 Jan 2025\n\n<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ChatTemplate.Parse(WellKnownTemplates.Llama32).RenderToString(context));
    }

    private static ChatTemplateContext Context(IReadOnlyList<ChatMessage> messages, string model) => new(messages)
    {
        AddGenerationPrompt = true,
        BosToken = model == "Gemma" ? "<bos>" : "<s>",
        EosToken = model switch { "Gemma" => "<eos>", "Phi-3" => "<|endoftext|>", _ => "</s>" },
        UnkToken = "<unk>",
    };
}
