using StarChat.Formats.GptBigCode;

namespace StarChat.Formats.Tests;

public class GptBigCodeNamesTests
{
    // formats.md §3 and fixtures/README.md §2-§3.
    [Theory]
    [InlineData("transformer.wte.weight", "token_embd.weight", "model/wte")]
    [InlineData("transformer.wpe.weight", "position_embd.weight", "model/wpe")]
    [InlineData("transformer.ln_f.weight", "output_norm.weight", "model/ln_f/g")]
    [InlineData("transformer.ln_f.bias", "output_norm.bias", "model/ln_f/b")]
    [InlineData("lm_head.weight", "output.weight", "model/lm_head")]
    [InlineData("transformer.h.0.ln_1.weight", "blk.0.attn_norm.weight", "model/h0/ln_1/g")]
    [InlineData("transformer.h.11.attn.c_attn.weight", "blk.11.attn_qkv.weight", "model/h11/attn/c_attn/w")]
    [InlineData("transformer.h.3.attn.c_attn.bias", "blk.3.attn_qkv.bias", "model/h3/attn/c_attn/b")]
    [InlineData("transformer.h.39.attn.c_proj.weight", "blk.39.attn_output.weight", "model/h39/attn/c_proj/w")]
    [InlineData("transformer.h.1.ln_2.bias", "blk.1.ffn_norm.bias", "model/h1/ln_2/b")]
    [InlineData("transformer.h.1.mlp.c_fc.weight", "blk.1.ffn_up.weight", "model/h1/mlp/c_fc/w")]
    [InlineData("transformer.h.1.mlp.c_proj.bias", "blk.1.ffn_down.bias", "model/h1/mlp/c_proj/b")]
    public void Mapping_AllThreeNamings_RoundTrip(string hf, string gguf, string ggml)
    {
        Assert.Equal(hf, GptBigCodeNames.FromGguf(gguf));
        Assert.Equal(hf, GptBigCodeNames.FromGgml(ggml));
        Assert.Equal(gguf, GptBigCodeNames.ToGguf(hf));
        Assert.Equal(ggml, GptBigCodeNames.ToGgml(hf));
    }

    [Theory]
    [InlineData("blk.x.attn_qkv.weight")]
    [InlineData("blk.01.attn_qkv.weight")]
    [InlineData("blk.0.attn_q.weight")]
    [InlineData("model/h0/attn/c_attn/g")]
    [InlineData("pos_embd.weight")]
    public void FromGguf_OrGgml_UnknownName_Null(string name)
    {
        Assert.Null(GptBigCodeNames.FromGguf(name));
        Assert.Null(GptBigCodeNames.FromGgml(name));
    }
}
