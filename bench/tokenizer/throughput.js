// Tokens per second of Hugging Face tokenizers (Rust) on a corpus, one thread.
// Usage: RAYON_NUM_THREADS=1 node throughput.js TOKENIZER_JSON CORPUS_JSONL RUNS
// The corpus is JSON lines of strings. The whole corpus is encoded with encodeBatch, which runs in Rust; with
// RAYON_NUM_THREADS=1 that is one thread and no per-document JavaScript overhead.
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');

const [tokenizerPath, corpusPath, runsArg] = process.argv.slice(2);
const docs = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const runs = parseInt(runsArg || '7', 10);
const tokenizer = Tokenizer.fromFile(tokenizerPath);

(async () => {
  const rates = [];
  let tokens = 0;
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    const encodings = await tokenizer.encodeBatch(docs, { addSpecialTokens: false });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    // Reading the ids back into JavaScript is not part of the library's work, so it is outside the timing.
    tokens = encodings.reduce((n, e) => n + e.getIds().length, 0);
    rates.push(tokens / seconds);
  }
  process.stdout.write(JSON.stringify({ engine: 'hf-tokenizers (Rust)', documents: docs.length, tokens, runs: rates }) + '\n');
})();
