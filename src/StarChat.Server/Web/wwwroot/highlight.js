// Renders a reply: prose as text, ``` fenced blocks as <pre><code> with a small keyword highlighter.
// Everything is built with DOM nodes and textContent, never innerHTML, so model output cannot inject markup.
"use strict";

const KEYWORDS = new Set((
  // Python, C-family, JavaScript/TypeScript, Go, Rust, Java, C#: the words coding answers use most.
  "def class return if elif else for while in not and or is None True False import from as with try except finally " +
  "raise lambda yield pass break continue global nonlocal async await self " +
  "int long short char float double bool void const static public private protected internal sealed readonly " +
  "struct enum union typedef sizeof new delete this null true false var let function switch case default do goto " +
  "using namespace template typename virtual override abstract interface extends implements package throws throw " +
  "catch func go defer chan map range type fn mut impl trait pub use mod match loop where string unsigned signed " +
  "include define export module").split(" "));

// One pass over the source: comments, strings, numbers and words, in that priority.
const TOKEN = /(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[0-9a-f]+\b)|([A-Za-z_][A-Za-z0-9_]*)/gi;

function highlightInto(code, source, language) {
  // '#' starts a comment in Python, shell and friends, but a directive in C: keep it plain there.
  const hashComments = !/^(c|cpp|c\+\+|h|hpp|cs|csharp|objc)$/i.test(language || "");
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const [text, comment, str, num, word] = match;
    let cls = null;
    if (comment !== undefined && (hashComments || !comment.startsWith("#"))) cls = "tok-com";
    else if (comment !== undefined) cls = null;
    else if (str !== undefined) cls = "tok-str";
    else if (num !== undefined) cls = "tok-num";
    else if (word !== undefined && KEYWORDS.has(word)) cls = "tok-kw";
    if (cls === null) continue;
    if (match.index > last) code.append(source.slice(last, match.index));
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    code.append(span);
    last = match.index + text.length;
  }
  if (last < source.length) code.append(source.slice(last));
}

// Splits on ``` fences; an unclosed fence (a reply still streaming) is rendered as code so far.
function renderReply(container, text) {
  container.replaceChildren();
  const parts = text.split(/^```/m);
  parts.forEach((part, i) => {
    if (i % 2 === 0) {
      if (part.length === 0) return;
      const div = document.createElement("div");
      div.className = "text";
      div.textContent = part.replace(/^\n+|\n+$/g, "");
      if (div.textContent.length > 0) container.append(div);
      return;
    }
    const newline = part.indexOf("\n");
    const language = newline < 0 ? part.trim() : part.slice(0, newline).trim();
    const source = newline < 0 ? "" : part.slice(newline + 1).replace(/\n$/, "");
    const pre = document.createElement("pre");
    const code = document.createElement("code");
    if (language) code.dataset.language = language;
    highlightInto(code, source, language);
    pre.append(code);
    container.append(pre);
  });
}

window.StarChatRender = { renderReply, highlightInto };
