// Account pages: credits and ledger, API keys (create, revoke), webhook delivery attempts.

import { api } from "./api.js";
import { announce, field, h } from "./ui.js";

export function table(caption, columns, rows) {
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map(([label]) => h("th", { scope: "col" }, label)))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((row) => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(row)))))
          : h("tr", {}, h("td", { colspan: columns.length }, "Nothing yet.")),
      ),
    ),
  );
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

export async function creditsView(root) {
  const [{ data: credits }, { data: ledger }] = await Promise.all([api("/v1/credits"), api("/v1/credits/ledger")]);
  root.replaceChildren(
    h("h1", {}, "Credits"),
    h(
      "p",
      { class: "card balance" },
      "Balance: ",
      h("strong", { "data-testid": "balance" }, credits.credits.toLocaleString()),
      " credits",
    ),
    table(
      "Ledger, newest first",
      [
        ["When", (e) => when(e.created_at)],
        ["Kind", (e) => e.kind],
        ["Amount", (e) => (e.amount > 0 ? "+" : "") + e.amount.toLocaleString()],
        ["Balance", (e) => e.balance_after.toLocaleString()],
        ["Request", (e) => h("span", { class: "mono" }, e.request_id || "")],
        ["Note", (e) => e.note],
      ],
      [...ledger.entries].reverse(),
    ),
  );
}

export async function keysView(root) {
  const created = h("div", { "aria-live": "polite" });
  const list = h("div");

  async function load() {
    const { data } = await api("/v1/api_keys");
    list.replaceChildren(
      table(
        "API keys",
        [
          ["Key", (k) => h("span", { class: "mono" }, `${k.prefix}…`)],
          ["Created", (k) => when(k.created_at)],
          ["State", (k) => (k.active ? (k.current ? "active (this session)" : "active") : `revoked ${when(k.revoked_at)}`)],
          [
            "",
            (k) =>
              k.active
                ? h("button", { type: "button", class: "danger", onclick: () => revoke(k) }, `Revoke ${k.prefix}…`)
                : "",
          ],
        ],
        data.keys,
      ),
    );
  }

  async function revoke(key) {
    const warning = key.current ? " This is the key you are signed in with: you will be signed out." : "";
    if (!window.confirm(`Revoke ${key.prefix}…? Clients using it stop working.${warning}`)) return;
    try {
      await api(`/v1/api_keys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
      announce(`Revoked ${key.prefix}…`);
      if (key.current) window.dispatchEvent(new Event("studio:signout"));
      else await load();
    } catch (err) {
      announce(err.message, { error: true });
    }
  }

  async function create() {
    try {
      const { data } = await api("/v1/api_keys", { method: "POST" });
      const out = h("input", { type: "text", readonly: true, value: data.api_key, class: "mono", size: 40 });
      created.replaceChildren(
        h(
          "div",
          { class: "card notice" },
          field("New key — copy it now, it is not shown again", out),
          h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(data.api_key) }, "Copy"),
        ),
      );
      out.focus();
      out.select();
      await load();
    } catch (err) {
      announce(err.message, { error: true });
    }
  }

  root.replaceChildren(
    h("h1", {}, "API keys"),
    h("p", {}, "Keys act for this whole account. Only a prefix is kept on view; the key itself is shown once."),
    h("button", { type: "button", class: "primary", onclick: create }, "Create key"),
    created,
    list,
  );
  await load();
}

// The account's signing secrets (metadata only) and a rotate button that shows the new one once.
async function secretSection() {
  const out = h("div", { "aria-live": "polite" });
  const list = h("p");
  async function load() {
    const { data } = await api("/v1/webhooks/secret");
    list.textContent = data.deployment_default
      ? "Deliveries are signed with the deployment's default secret."
      : `Signing with: ${data.signing.map((s) => `${s.prefix}…${s.expires_at ? ` (until ${when(s.expires_at)})` : ""}`).join(", ")}`;
  }
  async function rotate() {
    if (!window.confirm("Create a new signing secret? The previous one keeps signing for a while, then stops.")) return;
    try {
      const { data } = await api("/v1/webhooks/secret", { method: "POST" });
      const secret = h("input", { type: "text", readonly: true, value: data.secret, class: "mono" });
      out.replaceChildren(
        h("div", { class: "card notice" }, field("New signing secret — copy it now, it is not shown again", secret)),
      );
      secret.focus();
      secret.select();
      await load();
    } catch (err) {
      announce(err.message, { error: true });
    }
  }
  await load();
  return h(
    "section",
    { "aria-labelledby": "secret-h" },
    h("h2", { id: "secret-h" }, "Signing secret"),
    list,
    h("button", { type: "button", onclick: rotate }, "Rotate signing secret"),
    out,
  );
}

export async function webhooksView(root) {
  const [{ data }, secrets] = await Promise.all([api("/v1/webhooks/attempts"), secretSection()]);
  root.replaceChildren(
    h("h1", {}, "Webhooks"),
    secrets,
    h("h2", {}, "Delivery attempts"),
    h("p", {}, "Each delivery attempt of a request's webhook (", h("code", {}, "webhookUrl"), "), newest first."),
    table(
      "Delivery attempts",
      [
        ["When", (a) => when(a.created_at)],
        ["Request", (a) => h("span", { class: "mono" }, a.request_id)],
        ["URL", (a) => h("span", { class: "mono wrap" }, a.url)],
        ["Attempt", (a) => String(a.attempt)],
        ["Result", (a) => (a.delivered ? `delivered (${a.status_code})` : a.error || `HTTP ${a.status_code}`)],
      ],
      data.attempts,
    ),
  );
}
