// Image tools: enhance, branding removal, receipts (the extracted JSON beside the image), and
// roll-up banners. Each tool is a small form over one /v1/image/* route.

import { api } from "./api.js";
import { announce, field, h, imageSources, progressPanel, readAsDataUrl, resultView } from "./ui.js";

function imageInputs(multiple = false) {
  const file = h("input", { type: "file", accept: "image/*", multiple });
  const url = multiple
    ? h("textarea", { rows: 2, placeholder: "https://… (one per line)" })
    : h("input", { type: "url", placeholder: "https://…" });
  return {
    file,
    url,
    nodes: [field(multiple ? "Upload images" : "Upload image", file), field(multiple ? "…or URLs" : "…or URL", url)],
    async values() {
      return multiple ? imageSources(file, url) : [file.files[0] ? await readAsDataUrl(file.files[0]) : url.value.trim()];
    },
  };
}

// Answers are either the result (synchronous routes) or a request id to follow.
async function showAnswer(data, out, label) {
  if (data.request_id && !data.result_url && !data.result_urls && data.status !== "COMPLETED") {
    const { panel, done } = progressPanel(data.request_id, label);
    out.replaceChildren(panel);
    return done;
  }
  out.replaceChildren(h("div", { class: "card" }, resultView({ ...data, type: "image" })));
  return data;
}

function tool(title, description, inputs, extra, run, action = title) {
  const out = h("div", { class: "tool-out", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary" }, action);
  const form = h(
    "form",
    { class: "card form", "aria-label": title },
    h("h2", {}, title),
    h("p", { class: "hint" }, description),
    inputs,
    extra,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      await run(out);
    } catch (err) {
      announce(err.message, { error: true });
      out.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { class: "tool" }, form, out);
}

function enhanceTool() {
  const img = imageInputs();
  const res = h(
    "select",
    {},
    ["1k", "2k", "4k"].map((r) => h("option", { value: r }, r)),
  );
  return tool("Enhance", "Upscale and denoise.", img.nodes, field("Resolution", res), async (out) => {
    const [image_url] = await img.values();
    const { data } = await api("/v1/image/enhance", { method: "POST", body: { image_url, resolution: res.value } });
    await showAnswer(data, out, "Enhance");
  });
}

function brandingTool() {
  const img = imageInputs();
  return tool("Remove branding", "Find and remove watermarks and logos.", img.nodes, null, async (out) => {
    const [image_url] = await img.values();
    const { data } = await api("/v1/image/remove_branding", { method: "POST", body: { image_url } });
    await showAnswer(data, out, "Remove branding");
  });
}

// Receipt tools answer with structured data: the image and its JSON side by side.
function receiptView(imageUrl, json) {
  return h(
    "div",
    { class: "card side-by-side" },
    h("img", { src: imageUrl, alt: "Receipt", class: "result-img" }),
    h("pre", { class: "json", tabindex: 0, "aria-label": "Extracted JSON" }, JSON.stringify(json, null, 2)),
  );
}

function receiptsTool() {
  const img = imageInputs();
  const template = h("input", { type: "text", placeholder: "rtpl_… (empty: create a template)" });
  const name = h("input", { type: "text" });
  return tool(
    "Receipts",
    "With a template id: extract and validate a receipt. Without: build a template from this sample.",
    img.nodes,
    [field("Template id", template), field("New template name", name)],
    async (out) => {
      const [image_url] = await img.values();
      const route = template.value.trim() ? "/v1/image/receipt_templates/query" : "/v1/image/receipt_templates/create";
      const body = template.value.trim()
        ? { image_url, template_id: template.value.trim() }
        : { image_url, template_name: name.value.trim() || undefined };
      const { data, status } = await api(route, { method: "POST", body });
      // 202: accepted but not finished within the route's wait; follow it to its result.
      const final = status === 202 ? await showAnswer(data, out, "Receipt") : data;
      if (!template.value.trim() && final.template_id) template.value = final.template_id;
      out.replaceChildren(receiptView(image_url, final));
    },
    "Read receipt",
  );
}

function rollupTool() {
  const img = imageInputs(true);
  const columns = h("input", { type: "number", min: 1, max: 6, value: 2 });
  return tool("Roll-up banner", "Tile images into a print banner.", img.nodes, field("Columns", columns), async (out) => {
    const images = await img.values();
    const { data } = await api("/v1/image/create_rollup_banner", {
      method: "POST",
      body: { image_list: images.map((image_url) => ({ image_url })), columns: Number(columns.value) },
    });
    await showAnswer(data, out, "Roll-up banner");
  });
}

export async function imagesView(root) {
  root.replaceChildren(
    h("h1", {}, "Image tools"),
    h("div", { class: "tools" }, enhanceTool(), brandingTool(), receiptsTool(), rollupTool()),
  );
}
