// Pure helpers of the desk pages (no DOM): durations, what a timeline event says, who is who, live waits.
// Tested in tests/unit/web/test_desk_js.py with node.

export const RESOLUTIONS = ["resolved", "unresolved", "abandoned", "spam"];
export const PRESENCES = ["online", "away", "offline"];

export const REASONS = {
  explicit_request: "asked for a person",
  frustration: "frustration",
  damaged_or_wrong_item: "damaged or wrong item",
  repeated_failure: "AI could not answer (3 tries)",
  high_value_order: "high-value order",
  vip: "VIP customer",
  not_allowed: "request the AI may not do",
};

// 75 -> "1m 15s", 3700 -> "1h 01m", null -> "–"
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return "–";
  const s = Math.max(0, Math.round(Number(seconds)));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

// A queue's stored name "es:shoes:vip:video" -> "es · shoes · VIP · video"
export function queueLabel(queue) {
  if (!queue) return "–";
  const [lang, category, ...flags] = String(queue).split(":");
  return [lang || "any", category, ...flags.map((f) => (f === "vip" ? "VIP" : f))].filter(Boolean).join(" · ");
}

export function reasonLabel(reason) {
  return REASONS[reason] || String(reason || "").replace(/_/g, " ");
}

// Seconds a conversation has waited now, from its summary's waiting_s taken at `receivedAt` (ms).
export function waitedNow(summary, receivedAt, nowMs) {
  if (!summary || summary.status !== "queued" || summary.waiting_s === null || summary.waiting_s === undefined) return null;
  return Number(summary.waiting_s) + Math.max(0, (nowMs - receivedAt) / 1000);
}

// Which inbox section a conversation belongs in for agent `me`.
export function section(summary, me) {
  switch (summary.status) {
    case "queued": return "waiting";
    case "assigned": return summary.agent_id === me ? "mine" : "others";
    case "closed": return "closed";
    default: return "ai";
  }
}

// Inbox order: mine and waiting ones longest-waiting first, the rest newest first.
export function sortInbox(rows) {
  return [...rows].sort((a, b) => {
    const wa = a.summary.status === "queued" ? -(a.summary.waiting_s ?? 0) : 0;
    const wb = b.summary.status === "queued" ? -(b.summary.waiting_s ?? 0) : 0;
    if (wa !== wb) return wa - wb;
    return String(b.summary.updated_at || "").localeCompare(String(a.summary.updated_at || ""));
  });
}

// An encoded timeline event (souk.domain.desk.timeline.encode_event) as a display model:
// { cls, who, text, meta, tools?, staffOnly? }. `names` maps agent ids to names.
export function describeEvent(e, names = {}) {
  const name = (id) => (id && names[id]) || id || "";
  switch (e.kind) {
    case "shopper_message": return { cls: "shopper", who: "Shopper", text: e.text };
    case "ai_message": return { cls: "ai", who: "AI assistant", text: e.text, tools: e.tools || [] };
    case "agent_message": return { cls: "agent", who: name(e.agent_id), text: e.text };
    case "internal_note":
      return { cls: "note", who: `Note · ${e.author_id === "shopper" ? "from the shopper" : name(e.author_id)}`,
               text: e.text, staffOnly: true };
    case "handoff": return { cls: "system handoff", text: `Handed off by the AI: ${reasonLabel(e.reason)} → queue ${queueLabel(e.queue)}` };
    case "assigned": return { cls: "system assigned", text: `Assigned to ${name(e.agent_id)}` };
    case "transferred":
      return { cls: "system transfer", text: e.to_agent ? `Transferred to ${name(e.to_agent)}` : `Back to queue ${queueLabel(e.to_queue)}`,
               meta: e.reason ? reasonText(e.reason, names) : "" };
    case "handed_back": return { cls: "system handback", text: "Handed back to the AI" };
    case "call_started": return { cls: "call started", text: `Video call started (${e.call_id})` };
    case "call_ended":
      return { cls: "call ended", text: `Video call ${e.outcome || "ended"} · ${duration(e.duration_s)}` };
    case "closed":
      return { cls: "system closed", text: `Closed as ${e.resolution}${e.by ? ` by ${name(e.by)}` : " (shopper left)"}` };
    case "csat":
      return { cls: "csat", text: `CSAT ${"★".repeat(e.score)}${"☆".repeat(Math.max(0, 5 - e.score))} ${e.score}/5`,
               meta: e.comment || "" };
    default: return { cls: "system", text: e.kind };
  }
}

function reasonText(reason, names) {
  const m = /^by (.+)$/.exec(reason);
  if (m) return `by ${names[m[1]] || m[1]}`;
  return reason.replace(/_/g, " ");
}

// Sort and de-duplicate events by seq (a live frame may repeat one the page fetched).
export function mergeEvents(known, incoming) {
  const bySeq = new Map(known.map((e) => [e.seq, e]));
  for (const e of incoming) if (Number.isInteger(e.seq)) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

// The canned reply's text in the conversation's language (then English, then any).
export function cannedText(canned, language) {
  const texts = (canned && canned.texts) || {};
  return texts[language] || texts.en || Object.values(texts)[0] || "";
}

// SLA warnings for one conversation, worst first.
export function warningsFor(warnings, conversationId) {
  return (warnings || []).filter((w) => w.conversation_id === conversationId)
    .sort((a, b) => (a.level === b.level ? String(a.due_at).localeCompare(String(b.due_at)) : a.level === "breached" ? -1 : 1));
}

export function warningText(w, nowMs = Date.now()) {
  const timer = w.timer === "first_response" ? "First response" : "Resolution";
  const due = Date.parse(w.due_at);
  const left = Number.isNaN(due) ? null : (due - nowMs) / 1000;
  if (w.level === "breached" || (left !== null && left < 0)) {
    return `${timer} SLA breached${left !== null ? ` ${duration(-left)} ago` : ""}`;
  }
  return `${timer} SLA due in ${duration(left)}`;
}
