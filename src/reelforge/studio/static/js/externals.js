// The account's external users (the people of a platform built on this account): their balances,
// and a login link for each that opens the Studio as that user, seeing only their own work.

import { table, when } from "./account.js";
import { api } from "./api.js";
import { announce, field, h } from "./ui.js";

const nameOf = (u) => u.display_name || u.username || u.external_user_id;

export async function externalUsersView(root) {
  const link = h("div", { "aria-live": "polite" });
  const { data } = await api("/v1/external_users/list");

  async function loginLink(user) {
    try {
      const identity = { provider: user.provider || undefined, unique_key: user.unique_key };
      const { data: issued } = await api("/v1/external_users/create_login_token", {
        method: "POST",
        body: { external_user: identity },
      });
      const out = h("input", { type: "text", readonly: true, value: issued.loginUrl, class: "mono" });
      const minutes = Math.round(issued.expiresInSeconds / 60);
      link.replaceChildren(
        h(
          "div",
          { class: "card notice" },
          field(`Login link for ${nameOf(user)} — works once, for ${minutes} minutes`, out),
          h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(issued.loginUrl) }, "Copy"),
        ),
      );
      out.focus();
      out.select();
    } catch (err) {
      announce(err.message, { error: true });
    }
  }

  root.replaceChildren(
    h("h1", {}, "External users"),
    h(
      "p",
      {},
      "The users your app acts for. Each has their own credits and library; a login link opens the Studio as them.",
    ),
    link,
    // Three columns, so the table fits a phone: who (with their key and since when), credits, link.
    table(
      "External users, newest first",
      [
        [
          "User",
          (u) => [
            h("strong", {}, nameOf(u)),
            h("p", { class: "mono small" }, `${u.provider ? `${u.provider} · ` : ""}${u.unique_key}`),
            h("p", { class: "small" }, `since ${when(u.created_at)}`),
          ],
        ],
        ["Credits", (u) => u.credits.toLocaleString()],
        [
          "",
          (u) =>
            h("button", { type: "button", onclick: () => loginLink(u) }, "Login link", h("span", { class: "sr-only" }, ` for ${nameOf(u)}`)),
        ],
      ],
      data.external_users,
    ),
  );
}
