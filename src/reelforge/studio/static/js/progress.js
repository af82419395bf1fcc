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
// well-known names are used and anything else is ignored rather than trusted.
function fromEvent(frame, last) {
  let data = {};
  try {
    data = frame.data ? JSON.parse(frame.data) : {};
  } catch {
    return null;
  }
  const kind = String(data.type || data.event || frame.event || "").toLowerCase();
  const status = String(data.status || "").toUpperCase();
  const terminal =
    TERMINAL.has(status) || ["completed", "failed", "cancelled", "canceled"].includes(kind);
  const percent = Number.isFinite(data.percent)
    ? data.percent
    : Number.isFinite(data.progress)
      ? data.progress <= 1
        ? data.progress * 100
        : data.progress
      : last.percent;
  return {
    status: terminal ? status || kind.toUpperCase() : "PENDING",
    percent: Math.max(last.percent, Math.min(100, Math.round(percent || 0))),
    stage: data.stage || last.stage,
    stages: last.stages,
    eta_s: data.eta_s ?? data.eta_seconds ?? null,
    queue_position: data.queue_position ?? null,
    terminal,
  };
}

// Read the stream until a terminal event; false when the server has no stream (or it broke), so
// the caller falls back to polling — which also gives the authoritative final body.
async function stream(requestId, onUpdate, signal) {
  let res;
  try {
    res = await fetch(`/v1/requests/${encodeURIComponent(requestId)}/events`, {
      headers: { Accept: "text/event-stream", ...authHeaders() },
      signal,
    });
  } catch {
    return false;
  }
  const type = res.headers.get("content-type") || "";
  if (!res.ok || !type.includes("text/event-stream") || !res.body) return false;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last = { percent: 0, stage: null, stages: {} };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const update = fromEvent(parseFrame(buffer.slice(0, cut)), last);
        buffer = buffer.slice(cut + 2);
        if (!update) continue;
        last = update;
        if (update.terminal) return true;
        onUpdate(update);
      }
    }
  } catch {
    return false;
  } finally {
    reader.cancel().catch(() => {});
  }
}

// Follow a request until it ends; resolves with its final status body.
export async function watch(requestId, onUpdate, { signal } = {}) {
  await stream(requestId, onUpdate, signal);
  return poll(requestId, onUpdate, signal);
}
