using System.CommandLine;
using System.Diagnostics;
using StarChat.Generation.Conversion;

namespace StarChat.Cli.Commands;

/// <summary>
/// <c>starchat convert INPUT --out FILE.gguf [--type T]</c>: any model the readers load (HF folder, GGUF, GGML v3) to a
/// GGUF llama.cpp loads, with the same bytes llama.cpp's converter and quantizer would write.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A Hugging Face folder (safetensors or .bin, any dtype, sharded), a GGML v3 .bin, a .gguf, or a Hub id org/name[@revision]" };
        var output = new Option<string>("--out", "-o") { Description = "The GGUF file to write", Required = true };
        var type = new Option<string?>("--type", "-t")
        {
            Description = "f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k(_s|_m|_l), q4_k(_s|_m), q5_k(_s|_m), q6_k. " +
                          "Default: f16, or the input's own types when it is already quantized (GGML v3 → GGUF without requantizing)",
        };
        var threads = new Option<int>("--threads") { Description = "Threads for quantizing (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var name = new Option<string?>("--name") { Description = "general.name to record (default: the input's name)" };
        var command = new Command("convert", "Convert a model to GGUF (optionally quantizing it) so llama.cpp and this project can load it.") { input, output, type, threads, name };
        command.SetAction(parse =>
        {
            var context = CliContext.From(parse);
            return CliErrors.Run(context, () =>
            {
                var fileType = parse.GetValue(type) is { } t ? LlamaFileType.Parse(t) : null;
                var watch = Stopwatch.StartNew();
                string given = parse.GetValue(input)!;
                string source = CommonOptions.RequireModel(given, context);
                var result = GgufConverter.Convert(source, parse.GetValue(output)!, fileType,
                    new ConversionOptions { Threads = parse.GetValue(threads), Name = parse.GetValue(name), NamedAfter = given });
                ConversionReport.Write(context, result, watch.Elapsed);
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
