// The chat page: keeps the conversation, streams replies from /v1/chat/completions (server-sent events), and
// stops a reply by aborting the fetch (the server sees the disconnect and frees the slot within one step).
"use strict";

const $ = (id) => document.getElementById(id);
const history = [];          // { role, content } of finished turns
let controller = null;       // AbortController of the reply being streamed

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  const label = document.createElement("div");
  label.className = "role";
  label.textContent = role;
  const body = document.createElement("div");
  body.className = "body";
  div.append(label, body);
  if (role === "assistant") window.StarChatRender.renderReply(body, text);
  else body.textContent = text;
  $("conversation").append(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

function numberOrNull(id) {
  const value = $(id).value.trim();
  return value === "" ? null : Number(value);
}

function request(messages) {
  const body = { messages, stream: true, stream_options: { include_usage: true } };
  for (const [field, id] of [["temperature", "temperature"], ["top_p", "top-p"], ["top_k", "top-k"], ["max_tokens", "max-tokens"], ["seed", "seed"]]) {
    const value = numberOrNull(id);
    if (value !== null && !Number.isNaN(value)) body[field] = value;
  }
  return body;
}

// Yields the JSON payload of each "data:" event until [DONE].
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (data === "[DONE]") return;
      if (data) yield JSON.parse(data);
    }
  }
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").disabled = !busy;
}

async function send(text) {
  showError("");
  history.push({ role: "user", content: text });
  addMessage("user", text);
  const div = addMessage("assistant", "");
  div.classList.add("streaming");
  const body = div.querySelector(".body");
  const system = $("system").value.trim();
  const messages = (system ? [{ role: "system", content: system }] : []).concat(history);

  controller = new AbortController();
  setBusy(true);
  let reply = "";
  let chunks = 0;
  let first = null;
  let usage = null;
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers: headers(), body: JSON.stringify(request(messages)), signal: controller.signal,
    });
    if (!response.ok) {
      const error = await response.json().catch(() => null);
      throw new Error(error?.error?.message ?? `HTTP ${response.status}`);
    }
    for await (const chunk of events(response)) {
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices?.[0]?.delta?.content;
      if (!delta) continue;
      if (first === null) first = performance.now();
      chunks++;
      reply += delta;
      window.StarChatRender.renderReply(body, reply);
      const seconds = (performance.now() - first) / 1000;
      if (seconds > 0) $("speed").textContent = `${(chunks / seconds).toFixed(1)} tokens/s`;
      div.scrollIntoView({ block: "end" });
    }
    if (usage && first !== null) {
      const seconds = (performance.now() - first) / 1000;
      $("speed").textContent = `${usage.completion_tokens} tokens · ${(Math.max(usage.completion_tokens - 1, 0) / Math.max(seconds, 1e-3)).toFixed(1)} tokens/s`;
    }
  } catch (e) {
    if (e.name === "AbortError") div.dataset.stopped = "true";
    else showError(e.message);
  } finally {
    div.classList.remove("streaming");
    div.dataset.done = "true";
    controller = null;
    setBusy(false);
    // A stopped reply stays in the conversation: the next turn continues from what was shown.
    history.push({ role: "assistant", content: reply });
  }
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text || controller) return;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    $("composer").requestSubmit();
  }
});
$("stop").addEventListener("click", () => controller?.abort());
$("new-chat").addEventListener("click", () => {
  controller?.abort();
  history.length = 0;
  $("conversation").replaceChildren();
  $("speed").textContent = "";
  showError("");
});
$("toggle-settings").addEventListener("click", () => {
  const hidden = !$("settings").hidden;
  $("settings").hidden = hidden;
  $("toggle-settings").setAttribute("aria-expanded", String(!hidden));
});

fetch("/v1/models", { headers: headers() })
  .then((r) => r.ok ? r.json() : Promise.reject(new Error(r.status === 503 ? "model loading…" : `HTTP ${r.status}`)))
  .then((list) => { $("model").textContent = list.data[0].id; })
  .catch((e) => { $("model").textContent = e.message; });
