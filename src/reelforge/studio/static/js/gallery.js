// The gallery: the account's completed video sessions with players and badges, the session
// operations as buttons (each a /v1/video/* route), and recent image results.

import { api } from "./api.js";
import { LANGUAGES, languageName } from "./languages.js";
import { announce, badge, field, formatDuration, h, progressPanel } from "./ui.js";

// Each operation: its button, the fields its dialog asks for, and the body it sends.
const OPERATIONS = [
  {
    id: "outro",
    label: "New outro",
    route: "/v1/video/update_outro_image",
    fields: () => [urlField("cta_url", "CTA URL (shown as a QR code)", true)],
    body: (s, f) => ({ session_id: s.session_id, generate_outro_image: true, cta_url: f.cta_url }),
  },
  {
    id: "footer",
    label: "New footer",
    route: "/v1/video/update_footer_image",
    fields: () => [urlField("cta_url", "Footer link", false), textField("cta_text", "Footer text")],
    body: (s, f) =>
      f.cta_url || f.cta_text
        ? { session_id: s.session_id, cta_url: f.cta_url || undefined, cta_text: f.cta_text || undefined }
        : { session_id: s.session_id, remove_footer: true },
    hint: "Leave both empty to remove the footers.",
  },
  {
    id: "translate",
    label: "Translate",
    route: "/v1/video/translate_video",
    fields: (s) => [languageSelect("language", "Translate to", s.result_language === "es" ? "fr" : "es")],
    body: (s, f) => ({ session_id: s.session_id, language: f.language }),
  },
  {
    id: "subtitles",
    label: (s) => (s.has_subtitles ? "Remove subtitles" : "Add subtitles"),
    route: (s) => (s.has_subtitles ? "/v1/video/remove_subtitles" : "/v1/video/add_subtitles"),
    body: (s) => ({ session_id: s.session_id }),
  },
  { id: "clone", label: "Clone", route: "/v1/video/clone", body: (s) => ({ session_id: s.session_id }) },
];

function urlField(name, label, required) {
  return field(label, h("input", { name, type: "url", required, placeholder: "https://", autocomplete: "url" }));
}

function textField(name, label) {
  return field(label, h("input", { name, type: "text", maxlength: "120" }));
}

function languageSelect(name, label, selected) {
  const select = h(
    "select",
    { name },
    LANGUAGES.map(([code, lname]) => h("option", { value: code, selected: code === selected }, lname)),
  );
  return field(label, select);
}

const resolve = (v, s) => (typeof v === "function" ? v(s) : v);

// Runs an operation: asks for its fields in a modal dialog (if any), submits, and follows it in
// the jobs tray; the gallery reloads when it completes, so the new version appears.
async function runOperation(op, session, ctx) {
  let values = {};
  if (op.fields) {
    values = await askInDialog(`${resolve(op.label, session)}`, op.fields(session), op.hint);
    if (!values) return;
  }
  const label = `${resolve(op.label, session)} · ${session.session_id}`;
  try {
    const { data } = await api(resolve(op.route, session), { method: "POST", body: op.body(session, values) });
    announce(`${resolve(op.label, session)} started`);
    follow(data.request_id, label, ctx);
  } catch (err) {
    announce(err.message, { error: true });
  }
}

function follow(requestId, label, ctx) {
  const { panel, done } = progressPanel(requestId, label);
  ctx.tray.prepend(panel);
  done.then((body) => {
    if (body.status === "COMPLETED") {
      announce(`${label}: done`);
      ctx.reload();
    }
  });
}

function askInDialog(title, fields, hint) {
  return new Promise((resolvePromise) => {
    const form = h(
      "form",
      { method: "dialog" },
      h("h2", {}, title),
      hint ? h("p", { class: "hint" }, hint) : null,
      fields,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", value: "ok", class: "primary" }, "Start"),
        h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel"),
      ),
    );
    const dialog = h("dialog", { "aria-label": title }, form);
    document.body.append(dialog);
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      const values = Object.fromEntries(new FormData(form).entries());
      dialog.remove();
      resolvePromise(ok ? values : null);
    });
    dialog.showModal();
  });
}

function sessionCard(session, ctx) {
  const pick = h("input", { type: "checkbox", name: "join", value: session.session_id });
  pick.addEventListener("change", () => ctx.selectionChanged());
  const language = session.result_language || session.langauge;
  return h(
    "article",
    { class: "card session", dataset: { sessionId: session.session_id } },
    h("video", {
      src: session.result_url,
      controls: true,
      preload: "metadata",
      playsinline: true,
      class: "player",
      "aria-label": `Video ${session.session_id}`,
    }),
    h(
      "div",
      { class: "badges" },
      language ? badge(languageName(language), "lang") : null,
      badge(session.has_subtitles ? "Subtitles" : "No subtitles", session.has_subtitles ? "ok" : "muted"),
      session.duration ? badge(formatDuration(session.duration)) : null,
      session.aspect_ratio ? badge(session.aspect_ratio) : null,
      badge(session.case_type.replaceAll("_", " "), "muted"),
    ),
    h("p", { class: "mono small" }, session.session_id, " · ", new Date(session.created_at).toLocaleString()),
    h(
      "div",
      { class: "ops", role: "group", "aria-label": "Session operations" },
      OPERATIONS.map((op) =>
        h("button", { type: "button", onclick: () => runOperation(op, session, ctx) }, resolve(op.label, session)),
      ),
    ),
    field("Select to join", pick),
  );
}

function imageCard(item) {
  const url = item.result_url || (item.result_urls || [])[0];
  return h(
    "article",
    { class: "card image" },
    url ? h("img", { src: url, alt: `${item.case_type} result`, loading: "lazy" }) : null,
    h("div", { class: "badges" }, badge(item.case_type.replaceAll("_", " ")), badge(item.status.toLowerCase(), "muted")),
    h("p", { class: "mono small" }, item.request_id),
  );
}

export async function galleryView(root) {
  const tray = h("section", { class: "tray", "aria-label": "Running jobs" });
  const videos = h("div", { class: "grid", id: "sessions" });
  const images = h("div", { class: "grid" });
  const joinButton = h("button", { type: "button", disabled: true }, "Join selected");
  const ctx = {
    tray,
    reload: () => load(),
    selectionChanged: () => {
      joinButton.disabled = selected().length < 2;
    },
  };
  const selected = () => [...videos.querySelectorAll("input[name=join]:checked")].map((i) => i.value);
  joinButton.addEventListener("click", async () => {
    try {
      const { data } = await api("/v1/video/join_videos", { method: "POST", body: { session_ids: selected() } });
      follow(data.request_id, `Join · ${selected().length} videos`, ctx);
    } catch (err) {
      announce(err.message, { error: true });
    }
  });

  async function load() {
    try {
      const [{ data: sessions }, { data: imageList }] = await Promise.all([
        api("/v1/video/list_completed_video_sessions"),
        api("/v1/image/list", { query: { limit: 24 } }),
      ]);
      videos.replaceChildren(
        ...(sessions.length
          ? sessions.map((s) => sessionCard(s, ctx))
          : [h("p", {}, "No videos yet. ", h("a", { href: "#/new" }, "Create one"), ".")]),
      );
      const done = imageList.sessions.filter((i) => i.status === "COMPLETED");
      images.replaceChildren(...(done.length ? done.map(imageCard) : [h("p", {}, "No images yet.")]));
      ctx.selectionChanged();
    } catch (err) {
      videos.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
    }
  }

  root.replaceChildren(
    h("h1", {}, "Gallery"),
    tray,
    h("div", { class: "section-head" }, h("h2", {}, "Videos"), joinButton),
    videos,
    h("h2", {}, "Images"),
    images,
  );
  await load();
}
