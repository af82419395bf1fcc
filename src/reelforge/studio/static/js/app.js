// The Studio's shell: sign-in, navigation (hash routes, so reloads and the back button work
// without server routes), and the signed-in header.

import { creditsView, keysView, webhooksView } from "./account.js";
import { api, credential, setCredential, signOut } from "./api.js";
import { galleryView } from "./gallery.js";
import { imagesView } from "./images.js";
import { loadLanguages } from "./languages.js";
import { newVideoView } from "./newvideo.js";
import { announce, field, h } from "./ui.js";

const ROUTES = {
  "#/gallery": ["Gallery", galleryView],
  "#/new": ["New video", newVideoView],
  "#/images": ["Image tools", imagesView],
  "#/credits": ["Credits", creditsView],
  "#/keys": ["API keys", keysView],
  "#/webhooks": ["Webhooks", webhooksView],
};

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const account = document.getElementById("account");

// Sign-in with an API key. Login-token links and external users' tokens (a separate issue) plug in
// here: read the token from the link, call setCredential(<their kind>, token) (api.js AUTH_SCHEMES
// says how each kind is sent) and render(); every view then works unchanged, scoped by the server.
function signInView() {
  nav.replaceChildren();
  account.replaceChildren();
  const key = h("input", { type: "password", name: "api_key", autocomplete: "off", required: true, spellcheck: false });
  const error = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "card form signin", "aria-label": "Sign in" },
    h("h1", {}, "Sign in"),
    field("API key", key, "Kept in this tab only (sessionStorage), sent as a Bearer token."),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setCredential("api_key", key.value.trim());
    try {
      await api("/v1/credits"); // proves the key before anything else is shown
      if (ROUTES[location.hash]) await render();
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
  const current = ROUTES[location.hash] ? location.hash : "#/gallery";
  nav.replaceChildren(
    ...Object.entries(ROUTES).map(([hash, [label]]) =>
      h("a", { href: hash, "aria-current": hash === current ? "page" : undefined }, label),
    ),
  );
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", () => window.dispatchEvent(new Event("studio:signout")));
  account.replaceChildren(h("span", { class: "credits", id: "header-credits", "data-testid": "header-credits" }), out);
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
  const [label, view] = ROUTES[location.hash] || ROUTES["#/gallery"];
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

window.addEventListener("hashchange", render);
window.addEventListener("studio:credits", refreshCredits);
window.addEventListener("studio:signout", () => {
  signOut();
  announce("Signed out");
  signInView();
});

await loadLanguages();
render();
