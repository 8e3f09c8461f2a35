using BenchmarkDotNet.Attributes;
using StarChat.Text.Tokenization;

namespace StarChat.Benchmarks;

/// <summary>Encode and decode speed on the technical-assistant prompt (11.7 kB of prose and code, 3.4k tokens).</summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private ByteLevelBpeTokenizer _tokenizer = null!;
    private string _text = "";
    private int[] _ids = [];
    private readonly List<int> _buffer = new(8192);

    [GlobalSetup]
    public void Setup()
    {
        string shared = SharedFolder.Find();
        _tokenizer = ByteLevelBpeTokenizer.Create(TokenizerFiles.Load(Path.Combine(shared, "fixtures", "tiny-starchat")).Definition);
        _text = File.ReadAllText(Path.Combine(shared, "data", "ta-prompt", "TA_prompt_v1.txt"));
        _ids = _tokenizer.Encode(_text);
    }

    [Benchmark]
    public int Encode()
    {
        _buffer.Clear();
        _tokenizer.Encode(_text, _buffer);
        return _buffer.Count;
    }

    [Benchmark]
    public int Decode() => _tokenizer.Decode(_ids).Length;
}
