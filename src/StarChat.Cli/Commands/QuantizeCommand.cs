using System.CommandLine;
using System.Diagnostics;
using StarChat.Generation.Conversion;

namespace StarChat.Cli.Commands;

/// <summary><c>starchat quantize IN.gguf OUT.gguf TYPE</c>: llama-quantize's per-tensor choices for the mix, same bytes.</summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "The GGUF to quantize (F32 or F16 gives the best result), or a Hub id org/name/file.gguf[@revision]" };
        var output = new Argument<string>("output") { Description = "The GGUF file to write" };
        var type = new Argument<string>("type") { Description = "q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q2_k_s, q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m, q6_k, f16, bf16, f32 (q3_k/q4_k/q5_k = _m)" };
        var threads = new Option<int>("--threads") { Description = "Threads (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("quantize", "Quantize a GGUF with llama.cpp's per-tensor type choices (K-quant mixes included).") { input, output, type, threads };
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                var fileType = LlamaFileType.Parse(parse.GetValue(type)!);
                var watch = Stopwatch.StartNew();
                string source = CommonOptions.ResolveHub(parse.GetValue(input)!, context);
                var result = GgufConverter.Quantize(source, parse.GetValue(output)!, fileType, new ConversionOptions { Threads = parse.GetValue(threads) });
                ConversionReport.Write(context, result, watch.Elapsed);
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
