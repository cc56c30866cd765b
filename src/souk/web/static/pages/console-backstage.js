// The seller's side of "both sides warm". While a call rings, the console joins its room on the console's own
// socket, backstage: the server shows the seller to nobody and shows them nobody (souk.signal.hub). There the
// console publishes its camera and opens the warm receiving connection (room.warm()). Accepting seats the seller:
// the server tells both sides at once, and each switches its warm connection to the other's feed, so the accept
// sets up no connection on either side. Only an optimisation: if anything fails, the accept joins the usual way.
//
// One call is prepared at a time (the first that rings); a call that stops ringing, or is answered by someone
// else, is left at once.

export class Backstage {
  // client: the console's signaling Client; camera(): a Promise of the MediaStream to publish, whose ownership
  // passes to the prepared room (leaving it stops the tracks).
  constructor(client, camera) {
    this.client = client;
    this.camera = camera;
    this.prep = null; // { call, marks, joined: Promise<Room>, published: Promise<Room>, room }
    this.skip = new Set(); // calls not to prepare again: another window of this seller has it, or no room left
    // the server put us out of the prepared room: someone else answered, or this seller prepared it in another
    // window (the newer one wins; this one leaves it to that one instead of taking it back)
    client.on("room.closed", (m) => {
      if (!this.prep || m.room !== this.prep.call.room) return;
      if (m.reason === "replaced") this.skip.add(this.prep.call.call_id);
      this.drop(this.prep.call.call_id);
    });
  }

  // preparing, or in a room (the call's, or one being left)
  get busy() { return !!this.prep || !!(this.client.room && !this.client.room.closed); }

  prepare(call) {
    if (this.busy || this.skip.has(call.call_id)) return;
    if (this.skip.size > 100) this.skip.clear();
    const prep = { call, marks: {}, room: null };
    const mark = (name) => { prep.marks[name] = Date.now(); };
    this.prep = prep;
    mark("prep");
    prep.joined = this.client.join(call.room).then((room) => {
      prep.room = room;
      mark("prep_joined");
      // at the accept the server switches the warm connection itself, often before the accept's reply is in
      room.on("switched", () => mark("switched"));
      room.on("track", () => { prep.marks.track = prep.marks.track || Date.now(); });
      return room;
    });
    prep.published = prep.joined.then(async (room) => {
      if (this._gone(prep)) throw Object.assign(new Error("not prepared any more"), { code: "dropped" });
      const stream = await this.camera();
      mark("prep_camera");
      if (this._gone(prep)) {
        stream.getTracks().forEach((t) => t.stop());
        throw Object.assign(new Error("not prepared any more"), { code: "dropped" });
      }
      await room.publish({ stream });
      mark("prep_published");
      // the warm connection is an optimisation of its own: without it the seller subscribes on accept
      room.warm()
        .then((sub) => { if (sub) mark("prep_warm"); })
        .catch((e) => console.warn("souk: no warm connection for the shopper's video", e.code || e));
      return room;
    });
    prep.published.catch((e) => {
      if (e && e.code === "backstage_full") this.skip.add(call.call_id);
      if (this.prep === prep) {
        console.warn("souk: preparing the call failed; accepting will join it the usual way", e.code || e);
        this.drop(call.call_id);
      }
    });
  }

  _gone(prep) { return this.prep !== prep && !prep.taken; }

  // The prepared call, for its accept (null when that call was not prepared: any other one is left).
  take(callId) {
    const prep = this.prep;
    if (!prep) return null;
    if (prep.call.call_id !== callId) {
      this.drop(prep.call.call_id);
      return null;
    }
    prep.taken = true;
    this.prep = null;
    return prep;
  }

  // Leave the prepared room of this call (it stopped ringing, someone else answered, or it failed).
  drop(callId) {
    const prep = this.prep;
    if (!prep || prep.call.call_id !== callId) return;
    this.prep = null;
    Backstage.leave(prep);
  }

  // Leave a prepared (or taken) call's room on the console's socket; the socket stays open.
  static leave(prep) {
    prep.joined.then((room) => room.leave()).catch(() => {});
  }
}
