"""``souk bench links --without playout,layers``: the same call with one of the SDK's weak-link answers taken
away in both browsers, so a quiet run can weigh each against its cost (docs/resilience.md: the playout target
buys fewer freezes with a longer voice delay). The SDK is left as it ships; a script run in every page before
its own code neutralises the browser API the answer uses:

- ``playout``: assignments to ``RTCRtpReceiver.jitterBufferTarget`` are ignored (sdk/playout.js has no effect;
  its keyframe requests still go);
- ``layers``: ``scalabilityMode`` is dropped from the encodings given to ``addTransceiver`` (video in one
  temporal layer, as before round 6);
- ``red``: RFC 2198 RED is taken out of every offer the browser makes (``createOffer``), as from a browser
  without it: sdk/red.js finds none, the server marks no feed RED and both sides send and hear plain Opus
  (with in-band FEC), as before round 7.
"""

from __future__ import annotations

WITHOUT: dict[str, str] = {
    "playout": """(() => {
  const d = Object.getOwnPropertyDescriptor(RTCRtpReceiver.prototype, "jitterBufferTarget");
  if (d && d.set) Object.defineProperty(RTCRtpReceiver.prototype, "jitterBufferTarget",
    { ...d, set() {} });
})();""",
    "layers": """(() => {
  const add = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (track, init) {
    if (init && init.sendEncodings) {
      const encodings = init.sendEncodings.map(({ scalabilityMode, ...e }) => e);
      init = { ...init, sendEncodings: encodings.some((e) => Object.keys(e).length) ? encodings : undefined };
    }
    return add.call(this, track, init);
  };
})();""",
    "red": """(() => {
  const offer = RTCPeerConnection.prototype.createOffer;
  RTCPeerConnection.prototype.createOffer = async function (...args) {
    const d = await offer.apply(this, args);
    const eol = d.sdp.includes("\\r\\n") ? "\\r\\n" : "\\n";
    const red = new Set([...d.sdp.matchAll(/a=rtpmap:(\\d+) red\\/48000/gi)].map((m) => m[1]));
    if (!red.size) return d;
    const sdp = d.sdp.split(eol).filter((l) => !red.has((/^a=(?:rtpmap|fmtp|rtcp-fb):(\\d+) /.exec(l) || [])[1]))
      .map((l) => l.startsWith("m=audio ") ? l.split(" ").filter((x, i) => i < 3 || !red.has(x)).join(" ") : l)
      .join(eol);
    return { type: d.type, sdp };
  };
})();""",
}


def parse_without(text: str) -> tuple[str, ...]:
    """The answers named in ``--without`` (comma-separated); an unknown name is a SystemExit saying which exist."""
    names = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    unknown = [n for n in names if n not in WITHOUT]
    if unknown:
        raise SystemExit(f"souk: --without takes {', '.join(WITHOUT)}; not {', '.join(unknown)}")
    return names


def init_script(names: tuple[str, ...]) -> str:
    """The script every page of the bench runs first ('' for none)."""
    return "\n".join(WITHOUT[n] for n in names)
