// The Studio's shell: sign-in, navigation (hash routes, so reloads and the back button work
// without server routes), and the signed-in header.

import { creditsView, keysView, webhooksView } from "./account.js";
import { api, credential, redeemLoginToken, setCredential, signOut } from "./api.js";
import { galleryView } from "./gallery.js";
import { imagesView } from "./images.js";
import { loadLanguages } from "./languages.js";
import { newVideoView } from "./newvideo.js";
import { externalUsersView } from "./externals.js";
import { announce, field, h } from "./ui.js";

// [label, view, who may open it]: "account" pages manage the account itself (the server refuses
// them to an external user's credential, so they are not offered to one).
const ROUTES = {
  "#/gallery": ["Gallery", galleryView],
  "#/new": ["New video", newVideoView],
  "#/images": ["Image tools", imagesView],
  "#/credits": ["Credits", creditsView],
  "#/keys": ["API keys", keysView, "account"],
  "#/webhooks": ["Webhooks", webhooksView, "account"],
  "#/external-users": ["External users", externalUsersView, "account"],
};

const isExternal = () => !!credential()?.who?.external;

// The routes the signed-in user may open.
function routes() {
  return Object.fromEntries(Object.entries(ROUTES).filter(([, [, , who]]) => who !== "account" || !isExternal()));
}

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const account = document.getElementById("account");

// Sign-in with an API key; a login link signs in without one (see loginFromLink).
function signInView(message = "") {
  nav.replaceChildren();
  account.replaceChildren();
  const key = h("input", { type: "password", name: "api_key", autocomplete: "off", required: true, spellcheck: false });
  const error = h("p", { class: "error", role: "alert" }, message);
  const form = h(
    "form",
    { class: "card form signin", "aria-label": "Sign in" },
    h("h1", {}, "Sign in"),
    field("API key", key, "Kept in this tab only (sessionStorage), sent as a Bearer token."),
    h("p", { class: "hint" }, "Got a login link instead? Open it: it signs you in without a key."),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setCredential("api_key", key.value.trim());
    try {
      const { data } = await api("/v1/credits"); // proves the key before anything else is shown
      // An external user's own key (rf_xkey_…) signs in too, to that user's pages only.
      if (data.external_user_id) setCredential("api_key", key.value.trim(), { external: true, name: data.external_user_id });
      if (routes()[location.hash]) await render();
      else location.hash = "#/gallery"; // hashchange renders it
    } catch (err) {
      signOut();
      error.textContent = err.status === 401 ? "That API key is not valid." : err.message;
      key.focus();
    }
  });
  main.replaceChildren(form);
  key.focus();
}

async function header() {
  const current = routes()[location.hash] ? location.hash : "#/gallery";
  nav.replaceChildren(
    ...Object.entries(routes()).map(([hash, [label]]) =>
      h("a", { href: hash, "aria-current": hash === current ? "page" : undefined }, label),
    ),
  );
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", () => window.dispatchEvent(new Event("studio:signout")));
  const who = credential()?.who;
  account.replaceChildren(
    who?.name ? h("span", { class: "who", "data-testid": "signed-in-as" }, who.name) : "",
    h("span", { class: "credits", id: "header-credits", "data-testid": "header-credits" }),
    out,
  );
  await refreshCredits();
}

async function refreshCredits() {
  const credits = document.getElementById("header-credits");
  if (!credits || !credential()) return;
  try {
    const { data } = await api("/v1/credits");
    credits.textContent = `${data.credits.toLocaleString()} credits`;
  } catch (err) {
    if (err.status === 401) window.dispatchEvent(new Event("studio:signout"));
  }
}

async function render() {
  if (!credential()) return signInView();
  const [label, view] = routes()[location.hash] || ROUTES["#/gallery"];
  document.title = `${label} · reelforge Studio`;
  header();
  main.replaceChildren(h("p", { class: "loading" }, "Loading…"));
  try {
    await view(main);
  } catch (err) {
    if (err.status === 401) return window.dispatchEvent(new Event("studio:signout"));
    main.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
  }
  main.focus({ preventScroll: true });
}

// A login link opened in a tab already showing the Studio changes only the fragment.
window.addEventListener("hashchange", async () => {
  if (await loginFromLink()) render();
});
window.addEventListener("studio:credits", refreshCredits);
window.addEventListener("studio:signout", () => {
  signOut();
  announce("Signed out");
  signInView();
});

// A login link lands here as /studio/#login=<token> (the server's /users/verify_token sends a
// browser on). The token leaves the address bar and the history at once, is redeemed (it works once),
// and its auth token becomes this tab's credential; a used or expired link says so.
async function loginFromLink() {
  const match = location.hash.match(/^#login=([^&]+)$/);
  if (!match) return true;
  history.replaceState(null, "", `${location.pathname}#/gallery`);
  try {
    await redeemLoginToken(decodeURIComponent(match[1]));
    return true;
  } catch (err) {
    signOut();
    signInView(err.status === 401 ? "This login link has expired or was already used; ask for a new one." : err.message);
    return false;
  }
}

await loadLanguages();
if (await loginFromLink()) render();
