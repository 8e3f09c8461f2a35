// Reference oracle: encodes/decodes with the Hugging Face `tokenizers` Rust library.
// Usage: node oracle.js TOKENIZER_JSON < requests.jsonl > responses.jsonl
// Each request line: {"text": "..."} or {"ids": [..]}; each response line: {"ids": [..]} or {"text": "..."}.
const { Tokenizer } = require('@anush008/tokenizers');
const readline = require('readline');

const tokenizer = Tokenizer.fromFile(process.argv[2]);
const rl = readline.createInterface({ input: process.stdin, terminal: false });
const lines = [];
rl.on('line', (line) => { if (line.length > 0) lines.push(JSON.parse(line)); });
rl.on('close', async () => {
  for (const request of lines) {
    if (request.text !== undefined) {
      const encoding = await tokenizer.encode(request.text, null, { addSpecialTokens: false });
      process.stdout.write(JSON.stringify({ ids: Array.from(encoding.getIds()) }) + '\n');
    } else {
      const text = await tokenizer.decode(request.ids, false);
      process.stdout.write(JSON.stringify({ text }) + '\n');
    }
  }
});
