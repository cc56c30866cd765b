// The group call grid (docs/group-calls.md): which tiles are on screen, how big, and what each subscription
// receives. Pure parts (packGrid, layerFor, plan, changes) take numbers and are tested under node; GridController
// applies a plan to a Room's subscriptions.
//
// Everyone's audio is always received (someone on page 2 must still be heard); video is relayed only for the
// tiles on screen: a hidden tile's subscription stays open with its video stopped in Janus (`receive`
// {video: false}: nothing is sent), so paging back costs a keyframe, not a new PeerConnection. A visible tile
// receives the simulcast layer that fits its size on screen: the publisher sends h (capture size), m (1/2) and
// l (1/4) (souk.js SIMULCAST); the smallest layer at least as tall as the tile in device pixels is picked.
//
// Layout: a grid of 16:9 tiles filling the area, as many per page as fit at `minTileW` css pixels (at most
// `maxPerPage`); the active speaker is always on the page shown (moved into its last slot if it was elsewhere).
// A screen share (a feed of identity "<owner>~screen") or a pinned tile takes the stage: it fills the main
// area and the cameras run in a strip beside it, paged the same way.

export const SCREEN_SUFFIX = "~screen";
export const LAYER_SCALE = [4, 2, 1]; // layer 0 (l) .. 2 (h): the capture height divided by this
export const DEFAULTS = { minTileW: 160, maxPerPage: 9, aspect: 16 / 9, gap: 4, stripShare: 0.25, dpr: 1, sourceH: 720 };

export const isScreen = (id) => typeof id === "string" && id.endsWith(SCREEN_SUFFIX);
export const screenOwner = (id) => (isScreen(id) ? id.slice(0, -SCREEN_SUFFIX.length) : id);

// The grid of n tiles of `aspect` in a width x height area with the largest tiles: {cols, rows, w, h}.
export function packGrid(n, width, height, { aspect = DEFAULTS.aspect, gap = DEFAULTS.gap } = {}) {
  if (n <= 0 || width <= 0 || height <= 0) return { cols: 0, rows: 0, w: 0, h: 0 };
  let best = { cols: 1, rows: n, w: 0, h: 0 };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cellW = (width - gap * (cols - 1)) / cols;
    const cellH = (height - gap * (rows - 1)) / rows;
    const w = Math.max(0, Math.min(cellW, cellH * aspect));
    if (w > best.w) best = { cols, rows, w, h: w / aspect };
  }
  return { cols: best.cols, rows: best.rows, w: Math.floor(best.w), h: Math.floor(best.h) };
}

// How many tiles fit in the area at least minTileW wide (1 at the least, maxPerPage at the most).
export function pageCapacity(width, height, opts = {}) {
  const o = { ...DEFAULTS, ...opts };
  let fit = 1;
  for (let n = 1; n <= o.maxPerPage; n++) if (packGrid(n, width, height, o).w >= o.minTileW) fit = n;
  return fit;
}

// The simulcast layer (0 low .. 2 high) for a tile `tileH` css pixels tall: the smallest whose height covers it.
// A feed sent without simulcast has only one layer: null (nothing to pick).
export function layerFor(tileH, { dpr = DEFAULTS.dpr, sourceH = DEFAULTS.sourceH, simulcast = true } = {}) {
  if (!simulcast) return null;
  const need = tileH * dpr;
  for (let layer = 0; layer < LAYER_SCALE.length; layer++) if (sourceH / LAYER_SCALE[layer] >= need * 0.9) return layer;
  return LAYER_SCALE.length - 1;
}

// Put the tiles in page order: join order, the active speaker moved onto `page` (into its last slot) when it is
// elsewhere. Returns {order, pages, page} with page clamped to what exists.
export function arrange(ids, perPage, page = 0, speaker = null) {
  const order = [...ids];
  const pages = Math.max(1, Math.ceil(order.length / Math.max(1, perPage)));
  page = Math.min(Math.max(0, page), pages - 1);
  const at = speaker === null ? -1 : order.indexOf(speaker);
  const first = page * perPage;
  const last = Math.min(order.length, first + perPage) - 1;
  if (at >= 0 && (at < first || at > last) && last >= first) {
    [order[at], order[last]] = [order[last], order[at]];
  }
  return { order, pages, page };
}

// The whole screen: tiles [{id, simulcast, sourceH}], the area, the page, the active speaker and a pinned tile.
// -> {mode: "grid"|"stage", stage: id|null, pages, page, cols, rows, tileW, tileH, visible: [{id, w, h, layer}],
//     hidden: [id]}  (a visible tile's layer is null when its feed has no simulcast)
export function plan({ tiles, width, height, page = 0, speaker = null, pinned = null, ...opts }) {
  const o = { ...DEFAULTS, ...opts };
  const byId = new Map(tiles.map((t) => [t.id, t]));
  const screen = tiles.find((t) => isScreen(t.id));
  const stageId = pinned !== null && byId.has(pinned) ? pinned : screen ? screen.id : null;
  const rest = tiles.filter((t) => t.id !== stageId).map((t) => t.id);
  const layer = (id, h) => {
    const t = byId.get(id) || {};
    return layerFor(h, { dpr: o.dpr, sourceH: t.sourceH || o.sourceH, simulcast: t.simulcast !== false });
  };
  const visible = [];
  let area = { width, height };
  if (stageId !== null) {
    const stripW = rest.length ? Math.floor(width * o.stripShare) : 0;
    const main = packGrid(1, width - stripW - (stripW ? o.gap : 0), height, o);
    visible.push({ id: stageId, w: main.w, h: main.h, layer: layer(stageId, main.h) });
    area = { width: stripW, height };
  }
  const cap = stageId !== null ? stripCapacity(area.width, area.height, o) : pageCapacity(area.width, area.height, o);
  const { order, pages, page: shown } = arrange(rest, cap, page, speaker === stageId ? null : speaker);
  const onPage = order.slice(shown * cap, shown * cap + cap);
  const grid = stageId !== null ? stripGrid(onPage.length, area.width, area.height, o) : packGrid(onPage.length, area.width, area.height, o);
  for (const id of onPage) visible.push({ id, w: grid.w, h: grid.h, layer: layer(id, grid.h) });
  const seen = new Set(visible.map((v) => v.id));
  return {
    mode: stageId !== null ? "stage" : "grid", stage: stageId, pages, page: shown, cols: grid.cols, rows: grid.rows,
    tileW: grid.w, tileH: grid.h, visible, hidden: tiles.map((t) => t.id).filter((id) => !seen.has(id)),
  };
}

// The strip beside the stage: one column of 16:9 tiles, as many as fit (at least one).
function stripGrid(n, width, height, o) {
  if (n <= 0 || width <= 0) return { cols: 0, rows: 0, w: 0, h: 0 };
  const w = Math.floor(Math.min(width, ((height - o.gap * (n - 1)) / n) * o.aspect));
  return { cols: 1, rows: n, w, h: Math.floor(w / o.aspect) };
}

function stripCapacity(width, height, o) {
  if (width <= 0) return 1;
  const h = width / o.aspect;
  return Math.max(1, Math.min(o.maxPerPage, Math.floor((height + o.gap) / (h + o.gap))));
}

// What to ask of the server to go from `have` ({id: {video, layer}}) to plan `next`: [{id, video?, layer?}].
// A hidden tile stops its video; a visible one starts it and gets its layer (only what changed).
export function changes(have, next) {
  const out = [];
  for (const v of next.visible) {
    const cur = have[v.id] || { video: true, layer: null };
    const c = { id: v.id };
    if (cur.video === false) c.video = true;
    if (v.layer !== null && v.layer !== cur.layer) c.layer = v.layer;
    if (Object.keys(c).length > 1) out.push(c);
  }
  for (const id of next.hidden) {
    const cur = have[id] || { video: true };
    if (cur.video !== false) out.push({ id, video: false });
  }
  return out;
}

// Applies plans to a Room (souk.js): `receive` for video on/off, room.layer() for the layer, per subscription.
// update() is serialised: a newer plan waits for the one being applied, then only its own changes go out.
// With the SDK's weak-link adapter on (sdk/layers.js), the layer set here is a ceiling (sub.maxLayer): the
// adapter lowers it on a weak link and climbs back up to it, never above; a hidden tile (sub.paused) it leaves
// alone.
export class GridController {
  constructor(room) {
    this.room = room;
    this.have = {}; // participant -> {video, layer} as applied
    this._chain = Promise.resolve();
  }

  update(next) {
    this._chain = this._chain.then(() => this._apply(next)).catch((e) => console.warn("souk: grid", e));
    return this._chain;
  }

  async _apply(next) {
    for (const c of changes(this.have, next)) {
      const sub = [...this.room.subs.values()].find((s) => s.participant === c.id && !s.warm);
      if (!sub) continue; // not subscribed yet: applied on the next update after its track comes
      const cur = (this.have[c.id] = this.have[c.id] || { video: true, layer: null });
      if (c.video !== undefined) {
        sub.paused = !c.video; // the weak-link adapter (sdk/layers.js) leaves a hidden tile alone
        await this.room.client.request({ type: "receive", sub: sub.id, video: c.video });
        sub.video = c.video;
        cur.video = c.video;
      }
      if (c.layer !== undefined) {
        sub.maxLayer = c.layer; // the weak-link adapter (sdk/layers.js) adapts below it, never above
        await this.room.layer(c.id, c.layer);
        cur.layer = c.layer;
      }
    }
  }

  forget(participant) {
    delete this.have[participant];
  }
}
