// The languages this deployment narrates and subtitles: the codes come from the server's own
// table (GET /v1/supported_fonts, one entry per language), their names from the browser (Intl),
// so the Studio never carries a second list that could drift from the server's.

export let LANGUAGES = [["en", "English"]];

const names = new Intl.DisplayNames(["en"], { type: "language" });

export function languageName(code) {
  try {
    return names.of(code) || code;
  } catch {
    return code;
  }
}

export async function loadLanguages() {
  try {
    const res = await fetch("/v1/supported_fonts");
    const codes = Object.keys((await res.json()).fontsByLanguage || {}).filter((c) => c !== "default");
    if (codes.length) LANGUAGES = codes.map((c) => [c, languageName(c)]);
  } catch {
    // Keep the English-only list: the forms still work, the server validates the code.
  }
}
