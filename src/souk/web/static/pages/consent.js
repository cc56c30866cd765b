// Consent asked in the shopper's language (docs/privacy.md "Consent"). The words come from the server
// (GET /v1/consent/texts: souk/data/consent_texts.json, one version per wording), never from this file; the
// answer names the version and language shown, so the record proves what the shopper read.
//
//   const t = await recordingText(token);           // the recording banner's wording (watch page, stage invite)
//   fillConsent(document.getElementById("invite-rec"), t);  // [data-consent=title|body|accept|decline]
//   const notice = aiNotice({ token, container });  // the assistant widget: before the first AI turn
//   if ((await notice.ready) === "withdrawn") ...   // "granted" | "withdrawn" | "unavailable"
//   await withdrawConsent(token, "recording", t.language, "watch_page");

async function api(method, path, token, body, baseUrl = "") {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = data.error || {};
    throw Object.assign(new Error(e.message || `HTTP ${res.status}`), { code: e.code || `http_${res.status}` });
  }
  return data;
}

const shopperLanguage = () => (navigator.languages && navigator.languages.join(",")) || navigator.language || "en";

export async function consentTexts(token, language = shopperLanguage(), baseUrl = "") {
  return api("GET", `/v1/consent/texts?language=${encodeURIComponent(language)}`, token, undefined, baseUrl);
}

export async function recordingText(token, language, baseUrl = "") {
  return (await consentTexts(token, language || shopperLanguage(), baseUrl)).texts.recording;
}

export async function myConsents(token, baseUrl = "") {
  return (await api("GET", "/v1/consent", token, undefined, baseUrl)).consents;
}

export async function answerConsent(token, text, granted, channel, baseUrl = "") {
  return api("POST", "/v1/consent", token,
    { kind: text.kind, granted, language: text.language, text_version: text.version, channel }, baseUrl);
}

export async function withdrawConsent(token, kind, language = "en", channel = "api", baseUrl = "") {
  const q = `language=${encodeURIComponent(language)}&channel=${encodeURIComponent(channel)}`;
  return api("DELETE", `/v1/consent/${encodeURIComponent(kind)}?${q}`, token, undefined, baseUrl);
}

// Put a wording into the elements of `root` marked data-consent="title|body|accept|decline".
export function fillConsent(root, text) {
  root.dir = text.dir;
  root.lang = text.language;
  root.dataset.version = text.version;
  for (const part of ["title", "body", "accept", "decline"]) {
    for (const node of root.querySelectorAll(`[data-consent="${part}"]`)) node.textContent = text[part];
  }
}

const NOTICE_CSS = `.souk-consent{align-self:stretch;border:1px solid #f0a040;background:#fff8ec;border-radius:10px;padding:8px}
.souk-consent h3{margin:0 0 4px;font-size:14px}.souk-consent p{margin:0 0 6px;font-size:13px}
.souk-consent button{margin-right:6px}`;

// The AI notice: shown in `container` until answered, unless the shopper answered before (on any page).
// `ready` says what to do with their messages; a server without the consent routes gives "unavailable".
export function aiNotice({ token, container, language = shopperLanguage(), baseUrl = "" }) {
  const ready = (async () => {
    let mine;
    try {
      mine = await myConsents(token, baseUrl);
    } catch {
      return "unavailable";
    }
    const state = mine.ai_processing.state;
    if (state !== "unanswered") return state;
    const text = (await consentTexts(token, language, baseUrl)).texts.ai_processing;
    if (!document.getElementById("souk-consent-css")) {
      const style = document.createElement("style");
      style.id = "souk-consent-css"; style.textContent = NOTICE_CSS; document.head.append(style);
    }
    const box = document.createElement("div");
    box.className = "souk-consent";
    box.setAttribute("role", "dialog");
    box.innerHTML = '<h3 data-consent="title"></h3><p data-consent="body"></p>'
      + '<button type="button" class="souk-consent-yes" data-consent="accept"></button>'
      + '<button type="button" class="souk-consent-no" data-consent="decline"></button>';
    fillConsent(box, text);
    container.append(box);
    const granted = await new Promise((resolve) => {
      box.querySelector(".souk-consent-yes").addEventListener("click", () => resolve(true));
      box.querySelector(".souk-consent-no").addEventListener("click", () => resolve(false));
    });
    await answerConsent(token, text, granted, "widget", baseUrl);
    box.remove();
    return granted ? "granted" : "withdrawn";
  })();
  return { ready };
}
