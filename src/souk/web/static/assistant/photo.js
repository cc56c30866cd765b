// The widget's photo button ("do you have this?"): pick or take a photo, see it in the conversation, and get
// the store's closest products back as cards (POST /v1/agent/sessions/{id}/photo, the image's bytes as the
// body; docs/agent.md). The server checks the photo again (type by its bytes, size, pixels); what it refuses
// is told in the shopper's language, and the conversation goes on.
//
//   const photo = attachPhoto({ chat, token, form, log, add, lang: () => lang, onReply });
//   photo.send(file)   (a File or Blob; the button does it for a picked file)

import { label } from "./labels.js";

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024; // the server's default (agent.photo_max_bytes); it says its own

// The server's error codes, as the label that explains them.
const ERROR_LABEL = {
  unsupported_image_type: "photo_type", image_too_large: "photo_size", body_too_large: "photo_size",
  image_dimensions_too_large: "photo_dims", bad_image: "photo_bad",
  empty_image: "photo_bad", photo_with_person: "photo_person", rate_limited: "photo_busy",
};

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

export function photoUrl(base, sessionId, lang) {
  const u = new URL(`/v1/agent/sessions/${encodeURIComponent(sessionId)}/photo`, base || globalThis.location.href);
  if (lang) u.searchParams.set("language", lang);
  return u.toString();
}

// What the widget can tell before sending: the label key of the problem, or null.
export function precheck(file, maxBytes = MAX_PHOTO_BYTES) {
  if (!file || !file.size) return "photo_bad";
  if (file.type && !PHOTO_TYPES.includes(file.type)) return "photo_type";
  if (file.size > maxBytes) return "photo_size";
  return null;
}

export function attachPhoto({ chat, token, form, log, add, lang, onReply }) {
  const L = (key, values) => label(lang(), key, values);
  const input = el("input");
  input.type = "file"; input.accept = PHOTO_TYPES.join(","); input.hidden = true;
  input.className = "souk-photo-input";
  const button = el("button", "souk-photo", L("photo"));
  button.type = "button";
  button.title = L("photo_title"); button.setAttribute("aria-label", L("photo_title"));
  form.prepend(button);
  form.after(input); // outside the form: its text input stays the form's only input
  let busy = false;

  const fail = (key, values) => add("notice souk-photo-error", L(key, values));

  async function send(file) {
    const problem = precheck(file);
    if (problem) { fail(problem, { mb: MAX_PHOTO_BYTES / (1024 * 1024) }); return null; }
    if (busy) return null;
    busy = true; button.disabled = true;
    const shown = add("user souk-photo-msg", "");
    const url = URL.createObjectURL(file);
    const img = el("img", "souk-photo-preview");
    img.src = url; img.alt = L("photo_sent");
    img.onload = () => URL.revokeObjectURL(url);
    shown.append(img);
    log.scrollTop = log.scrollHeight;
    const looking = add("notice pending", L("photo_looking"));
    try {
      if (!chat.sessionId) throw new Error("no conversation yet");
      const resp = await fetch(photoUrl(chat.baseUrl, chat.sessionId, lang()), {
        method: "POST", body: file,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": file.type || "application/octet-stream" },
      });
      let body = null;
      try { body = await resp.json(); } catch { body = null; }
      if (!resp.ok) {
        const err = (body && body.error) || {};
        const mb = err.details && err.details.max_bytes ? Math.round(err.details.max_bytes / (1024 * 1024)) : 5;
        fail(ERROR_LABEL[err.code] || "photo_failed", { mb });
        shown.classList.add("refused");
        return null;
      }
      onReply(body);
      return body;
    } catch {
      fail("photo_failed");
      shown.classList.add("refused");
      return null;
    } finally {
      looking.remove();
      busy = false; button.disabled = false;
    }
  }

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    input.value = ""; // the same photo can be sent again
    if (file) send(file);
  });

  return {
    send,
    relabel() {
      button.textContent = L("photo"); button.title = L("photo_title"); button.setAttribute("aria-label", L("photo_title"));
    },
  };
}

export const PHOTO_CSS = `
.souk-photo-msg img{max-width:160px;max-height:160px;border-radius:8px;display:block}
.souk-photo-msg.refused{opacity:.5}.souk-photo-error{color:#a03000}`;
