using BenchmarkDotNet.Attributes;
using StarChat.Text.Chat;
using StarChat.Text.Templates;

namespace StarChat.Benchmarks;

/// <summary>
/// Rendering a 20-turn conversation with the StarChat chat_template against the hand-written
/// <see cref="DialogueTemplate"/> (the baseline), plus parse cost. A server renders once per request.
/// </summary>
[MemoryDiagnoser]
public class ChatTemplateBenchmarks
{
    private const string StarChatTemplate =
        "{{ '<|system|>\\n' }}{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}{% endif %}{{ '<|end|>\\n' }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '<|end|>\\n' }}{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n' + message['content'] + '<|end|>\\n' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}";

    private ChatMessage[] _messages = [];
    private ChatTemplate _template = null!;

    [GlobalSetup]
    public void Setup()
    {
        _messages =
        [
            ChatMessage.System("You are a helpful coding assistant."),
            .. Enumerable.Range(0, 20).Select(i => i % 2 == 0
                ? ChatMessage.User($"Question {i}: how do I reverse a list in Python without copying it?")
                : ChatMessage.Assistant($"Answer {i}: use `xs.reverse()`, which works in place.\n```python\nxs.reverse()\n```")),
        ];
        _template = ChatTemplate.Parse(StarChatTemplate);
    }

    [Benchmark(Baseline = true)]
    public IReadOnlyList<PromptSegment> DialogueTemplateInference() => DialogueTemplate.StarChat.Inference(_messages);

    [Benchmark]
    public IReadOnlyList<PromptSegment> ChatTemplateRender() =>
        _template.Render(new ChatTemplateContext(_messages) { AddGenerationPrompt = true });

    [Benchmark]
    public ChatTemplate ChatTemplateParse() => ChatTemplate.Parse(StarChatTemplate);
}
