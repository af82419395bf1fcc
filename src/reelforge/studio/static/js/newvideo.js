// "New video": images (uploaded, read as data: URLs, or by URL), prompt, aspect, language and a
// CTA with a QR outro; the price before submitting where the server quotes, then live progress
// and the finished video.

import { api, routeExists } from "./api.js";
import { LANGUAGES } from "./languages.js";
import { announce, field, h, imageSources, progressPanel } from "./ui.js";

// Quotes (`quote_only: true`) are only sent where the server has a price table: a server without
// the feature would ignore the unknown flag and run — and charge — the real job.
let quotesSupported = null;

async function canQuote() {
  if (quotesSupported === null) quotesSupported = await routeExists("/v1/pricing");
  return quotesSupported;
}

function requestFor(form, images) {
  const v = (name) => form.elements[name].value.trim();
  const body = {
    prompt: v("prompt") || undefined,
    aspect_ratio: v("aspect_ratio"),
    language: v("language"),
    enable_subtitles: form.elements.enable_subtitles.checked,
  };
  const cta = v("cta_url");
  if (cta && form.elements.qr_outro.checked) Object.assign(body, { cta_url: cta, generate_outro_image: true });
  else if (cta) Object.assign(body, { cta_url: cta });
  if (images.length) return { route: "/v1/video/image_list_to_video", body: { ...body, image_urls: images } };
  return { route: "/v1/video/text_to_video", body: { ...body, duration: Number(v("duration")) || 15 } };
}

// The quote is exact (the same call then charges it), so it is shown as the price, with its
// breakdown and a warning when the balance would refuse it.
function quoteText(data) {
  const credits = data.credits ?? data.total_credits ?? data.estimated_credits ?? data.price;
  if (!Number.isFinite(credits)) return null;
  const parts = (data.breakdown || []).filter((b) => b && b.item && Number.isFinite(b.credits));
  const detail = parts.length > 1 ? ` (${parts.map((b) => `${b.item} ${b.credits}`).join(", ")})` : "";
  const short = data.sufficient === false ? ` — more than your ${data.remainingCredits} credits` : "";
  return `Costs ${credits} credits${detail}${short}`;
}

export async function newVideoView(root) {
  const files = h("input", { type: "file", name: "images", accept: "image/*", multiple: true });
  const urls = h("textarea", { name: "image_urls", rows: 3, placeholder: "https://example.com/photo.jpg" });
  const previews = h("div", { class: "thumbs", "aria-live": "polite" });
  const quote = h("p", { class: "quote", id: "quote", "aria-live": "polite" }, "Price shown after submit.");
  const submit = h("button", { type: "submit", class: "primary" }, "Create video");
  const progress = h("div", { class: "progress-area" });

  const form = h(
    "form",
    { class: "card form", "aria-label": "New video" },
    h(
      "fieldset",
      {},
      h("legend", {}, "Images"),
      field("Upload images", files, "Shown in this order; leave empty to generate from the prompt."),
      previews,
      field("…or image URLs (one per line)", urls),
    ),
    field("Prompt", h("textarea", { name: "prompt", rows: 3, maxlength: 1000 })),
    h(
      "div",
      { class: "row" },
      field(
        "Aspect",
        h(
          "select",
          { name: "aspect_ratio" },
          h("option", { value: "16:9" }, "16:9 landscape"),
          h("option", { value: "9:16" }, "9:16 portrait"),
        ),
      ),
      field(
        "Language",
        h(
          "select",
          { name: "language" },
          h("option", { value: "auto" }, "Detect from prompt"),
          LANGUAGES.map(([code, name]) => h("option", { value: code }, name)),
        ),
      ),
      field("Length in seconds (prompt only)", h("input", { name: "duration", type: "number", min: 5, max: 240, value: 15 })),
    ),
    field("CTA URL", h("input", { name: "cta_url", type: "url", placeholder: "https://", autocomplete: "url" })),
    field("End with a QR-code outro of the CTA URL", h("input", { type: "checkbox", name: "qr_outro", checked: true })),
    field("Subtitles", h("input", { type: "checkbox", name: "enable_subtitles", checked: true })),
    quote,
    h("div", { class: "actions" }, submit),
  );

  files.addEventListener("change", () => {
    previews.replaceChildren(
      ...[...files.files].map((f, i) =>
        h("img", { src: URL.createObjectURL(f), alt: `Image ${i + 1}: ${f.name}`, class: "thumb" }),
      ),
    );
  });

  // Typing re-quotes too (text fields only fire "change" on blur); each quote is numbered so a
  // late answer never overwrites a newer one, nor the charge once the video is submitted.
  let quoteTimer;
  let quoteSeq = 0;
  const refreshQuote = () => {
    clearTimeout(quoteTimer);
    const mine = ++quoteSeq;
    quoteTimer = setTimeout(async () => {
      if (!(await canQuote())) return;
      const { route, body } = requestFor(form, await imageSources(files, urls));
      if (!body.image_urls && !body.prompt) return;
      try {
        const { data } = await api(route, { method: "POST", body: { ...body, quote_only: true } });
        if (mine === quoteSeq) quote.textContent = quoteText(data) || "Price shown after submit.";
      } catch (err) {
        if (mine === quoteSeq) quote.textContent = `No quote: ${err.message}`;
      }
    }, 600);
  };
  form.addEventListener("change", refreshQuote);
  form.addEventListener("input", refreshQuote);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(quoteTimer);
    quoteSeq++; // a quote still on its way no longer shows
    submit.disabled = true;
    try {
      const { route, body } = requestFor(form, await imageSources(files, urls));
      if (!body.image_urls && !body.prompt) throw new Error("Add images or a prompt.");
      const { data, headers } = await api(route, { method: "POST", body });
      const charged = headers.get("X-Credits-Charged") ?? data.credits_charged;
      if (charged != null) quote.textContent = `Charged ${charged} credits.`;
      announce("Video started");
      const { panel, done } = progressPanel(data.request_id, "New video");
      progress.replaceChildren(panel);
      panel.scrollIntoView({ block: "nearest" });
      const final = await done;
      announce(final.status === "COMPLETED" ? "Video ready" : `Video ${final.status.toLowerCase()}`);
    } catch (err) {
      announce(err.message, { error: true });
    } finally {
      submit.disabled = false;
    }
  });

  root.replaceChildren(h("h1", {}, "New video"), form, progress);
}
