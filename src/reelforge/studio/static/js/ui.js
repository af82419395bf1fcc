// Small DOM helpers shared by the views. Text always goes in as text nodes (never innerHTML), so
// nothing a server or a user typed can become markup.

import { creditsMayHaveChanged } from "./api.js";
import { watch } from "./progress.js";

export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let fieldSeq = 0;

// A labelled form field: <label for> tied to its control, with an optional hint.
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++fieldSeq}`;
  const hintNode = hint ? h("small", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  const wrap = control.type === "checkbox" ? "field check" : "field";
  return control.type === "checkbox"
    ? h("div", { class: wrap }, control, h("label", { for: control.id }, label), hintNode)
    : h("div", { class: wrap }, h("label", { for: control.id }, label), control, hintNode);
}

// The page-wide polite live region: what screen readers announce after an action.
export function announce(message, { error = false } = {}) {
  const region = document.getElementById("announcer");
  region.className = error ? "toast error" : "toast";
  region.textContent = message;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => {
    region.textContent = "";
    region.className = "toast";
  }, 6000);
}

export function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// Images from a file input (as data: URLs) and a textarea of URLs, one per line.
export async function imageSources(fileInput, urlArea) {
  const files = await Promise.all([...(fileInput?.files || [])].map(readAsDataUrl));
  const urls = (urlArea?.value || "")
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
  return [...files, ...urls];
}

export function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}`.trim() }, text);
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// A progress panel following one request: a labelled progress bar, the current stage, and the
// result's player (video) or picture when it completes. Resolves with the final status body.
export function progressPanel(requestId, label) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": `${label} progress` });
  const percent = h("span", { class: "percent", "data-testid": "percent" }, "0 %");
  const stage = h("span", { class: "stage" }, "queued");
  const stageList = h("ul", { class: "stages" });
  const previews = h("div", { class: "previews", "aria-label": "Stage previews", role: "list" });
  const result = h("div", { class: "result" });
  const panel = h(
    "section",
    { class: "progress-panel card", "aria-live": "polite", dataset: { requestId } },
    h("h3", {}, label),
    h("p", { class: "mono small" }, requestId),
    h("div", { class: "bar-row" }, bar, percent),
    h("p", {}, "Stage: ", stage),
    stageList,
    previews,
    result,
  );
  const done = watch(requestId, (u) => {
    bar.value = u.percent;
    percent.textContent = `${u.percent} %`;
    const extra = [
      u.queue_position != null ? `queue position ${u.queue_position}` : "",
      u.eta_s != null ? `about ${Math.ceil(u.eta_s)} s left` : "",
    ].filter(Boolean);
    stage.textContent = [u.stage || (u.percent ? "working" : "queued"), u.detail, ...extra].filter(Boolean).join(" · ");
    if (u.preview) previews.append(h("div", { role: "listitem" }, previewView(u.preview)));
    if (u.stages && Object.keys(u.stages).length) {
      stageList.replaceChildren(
        ...Object.entries(u.stages).map(([name, s]) =>
          h("li", { class: `stage-${s.toLowerCase()}` }, `${name}: ${s.toLowerCase().replace("_", " ")}`),
        ),
      );
    }
  }).then((body) => {
    creditsMayHaveChanged(); // settled to the final duration, or refunded
    if (body.status === "COMPLETED") {
      bar.value = 100;
      percent.textContent = "100 %";
      stage.textContent = "done";
      stageList.replaceChildren();
      previews.replaceChildren();
      result.replaceChildren(resultView(body));
    } else {
      stage.textContent = body.status.toLowerCase();
      result.replaceChildren(h("p", { class: "error", role: "alert" }, body.message || body.status));
    }
    return body;
  });
  return { panel, done };
}

// A stage's preview artefact (a layer image, a narration clip, a draft render), by its extension.
function previewView({ stage, url }) {
  const path = new URL(url, window.location.origin).pathname.toLowerCase();
  const label = `${stage || "stage"} preview`;
  if (/\.(mp4|webm|mov)$/.test(path)) return h("video", { src: url, controls: true, preload: "metadata", "aria-label": label });
  if (/\.(wav|mp3|m4a|ogg|aac)$/.test(path)) return h("audio", { src: url, controls: true, "aria-label": label });
  if (/\.(png|jpe?g|webp|gif)$/.test(path)) return h("img", { src: url, alt: label, loading: "lazy" });
  return h("a", { href: url, target: "_blank", rel: "noopener" }, label);
}

export function resultView(body) {
  const url = body.result_url || (body.result_urls || [])[0];
  if (!url) return h("pre", { class: "json" }, JSON.stringify(body, null, 2));
  if (body.type === "video") {
    return h("video", { src: url, controls: true, preload: "metadata", playsinline: true, class: "player" });
  }
  return h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt: "Result image", class: "result-img" }));
}
