// Following a request to its end: the server-sent event stream when the server has one
// (GET /v1/requests/{id}/events), else polling GET /v1/status. Either way the caller gets the same
// updates: { status, percent, stage, stages, eta_s, queue_position } and, at the end, the final
// status body.

import { api, authHeaders } from "./api.js";

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const POLL_MS = 1000;

// Percent from the status body's per-stage map: finished stages over all stages.
export function stagesPercent(stages) {
  const values = Object.values(stages || {});
  if (!values.length) return 0;
  const done = values.filter((s) => s === "COMPLETED").length;
  return Math.round((100 * done) / values.length);
}

function fromStatus(body) {
  const stages = body.expressGenerationStatus || {};
  const running = Object.entries(stages).find(([, s]) => s === "IN_PROGRESS");
  return {
    status: body.status,
    percent: body.status === "COMPLETED" ? 100 : stagesPercent(stages),
    stage: running ? running[0] : null,
    stages,
  };
}

async function poll(requestId, onUpdate, signal) {
  for (;;) {
    const { data } = await api("/v1/status", { query: { request_id: requestId }, signal });
    onUpdate(fromStatus(data));
    if (TERMINAL.has(data.status)) return data;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// One SSE frame ("event:", "id:", "data:" lines) -> { event, id, data }.
function parseFrame(frame) {
  const out = { event: "message", id: null, data: "" };
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue;
    const [field, ...rest] = line.split(":");
    const value = rest.join(":").replace(/^ /, "");
    if (field === "event") out.event = value;
    else if (field === "id") out.id = value;
    else if (field === "data") out.data += (out.data ? "\n" : "") + value;
  }
  return out;
}

// What an event says, read defensively: the stream's schema belongs to the events feature, so only
// well-known names are used (type, percent, stage, detail, eta_s, queue_position, preview_url) and
// anything else is ignored rather than trusted.
function fromEvent(frame, last) {
  let data = {};
  try {
    data = frame.data ? JSON.parse(frame.data) : {};
  } catch {
    return null;
  }
  const kind = String(data.type || frame.event || "").toLowerCase();
  const status = String(data.status || "").toUpperCase();
  const terminal = TERMINAL.has(status) || ["completed", "failed", "cancelled", "canceled"].includes(kind);
  const percent = Number.isFinite(data.percent) ? data.percent : last.percent;
  return {
    status: terminal ? status || kind.toUpperCase() : "PENDING",
    // The request's percent never goes back on screen, whatever order events arrive in.
    percent: Math.max(last.percent, Math.min(100, Math.round(percent || 0))),
    stage: data.stage || last.stage,
    detail: data.detail || (data.stage && data.stage !== last.stage ? null : last.detail),
    stages: last.stages,
    eta_s: Number.isFinite(data.eta_s) ? data.eta_s : null,
    queue_position: kind === "queued" && Number.isFinite(data.queue_position) ? data.queue_position : null,
    preview: typeof data.preview_url === "string" ? { stage: data.stage, url: data.preview_url } : null,
    terminal,
  };
}

const RECONNECTS = 3;

// Read the stream until a terminal event, reconnecting after a drop with Last-Event-ID (the server
// resumes after it: nothing missed, nothing repeated). Returns false when the server has no stream
// or it keeps failing, so the caller falls back to polling — which also gives the final body.
async function stream(requestId, onUpdate, signal) {
  let lastId = null;
  let last = { percent: 0, stage: null, detail: null, stages: {} };
  for (let attempt = 0; attempt <= RECONNECTS; attempt++) {
    let res;
    try {
      const headers = { Accept: "text/event-stream", ...authHeaders() };
      if (lastId !== null) headers["Last-Event-ID"] = lastId;
      res = await fetch(`/v1/requests/${encodeURIComponent(requestId)}/events`, { headers, signal });
    } catch {
      continue;
    }
    const type = res.headers.get("content-type") || "";
    if (!res.ok || !type.includes("text/event-stream") || !res.body) return false;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = parseFrame(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (frame.id !== null) lastId = frame.id;
          const update = fromEvent(frame, last);
          if (!update) continue;
          last = update;
          if (update.terminal) return true;
          onUpdate(update);
        }
      }
    } catch {
      // dropped mid-stream: reconnect below with Last-Event-ID
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  return false;
}

// Follow a request until it ends; resolves with its final status body.
export async function watch(requestId, onUpdate, { signal } = {}) {
  await stream(requestId, onUpdate, signal);
  return poll(requestId, onUpdate, signal);
}
