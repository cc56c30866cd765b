"""`souk bench links --without`: the names it takes, and that its page scripts neutralise what they say (run
under node with stand-ins for the browser's RTCRtpReceiver and RTCPeerConnection)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from souk.bench.links_ablate import init_script, parse_without


def test_names_are_checked_and_kept_once_in_order() -> None:
    assert parse_without("") == ()
    assert parse_without("layers, playout,layers") == ("layers", "playout")
    with pytest.raises(SystemExit, match="takes playout, layers, red; not fec"):
        parse_without("playout,fec")
    assert init_script(()) == ""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_page_scripts_neutralise_the_jitter_buffer_target_and_the_scalability_mode() -> None:
    harness = """
      globalThis.RTCRtpReceiver = class { constructor() { this._t = null; }
        get jitterBufferTarget() { return this._t; } set jitterBufferTarget(v) { this._t = v; } };
      globalThis.RTCPeerConnection = class { addTransceiver(track, init) { return init; } };
    """
    probe = """
      const r = new RTCRtpReceiver(); r.jitterBufferTarget = 250;
      const pc = new RTCPeerConnection();
      const out = { target: r.jitterBufferTarget,
        plain: pc.addTransceiver("v", { direction: "sendonly", sendEncodings: [{ scalabilityMode: "L1T3" }] }),
        simulcast: pc.addTransceiver("v", { sendEncodings: [{ rid: "h", scalabilityMode: "L1T3" }, { rid: "l" }] }) };
      console.log(JSON.stringify(out));
    """
    script = harness + init_script(("playout", "layers")) + probe
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    got = json.loads(out.stdout)
    assert got["target"] is None  # the assignment was ignored
    assert got["plain"] == {"direction": "sendonly"}  # one encoding left with nothing in it: none at all
    assert got["simulcast"] == {"sendEncodings": [{"rid": "h"}, {"rid": "l"}]}
    untouched = subprocess.run(["node", "-e", harness + init_script(("layers",)) + probe], capture_output=True,
                               text=True, timeout=30, check=True)
    assert json.loads(untouched.stdout)["target"] == 250  # only what was named is taken away


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_without_red_the_browser_offers_no_red_and_sdk_red_finds_none() -> None:
    lines = ["v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9", "a=rtpmap:111 opus/48000/2",
             "a=fmtp:111 minptime=10;useinbandfec=1", "a=rtpmap:63 red/48000/2", "a=fmtp:63 111/111",
             "a=rtpmap:9 G722/8000", "m=video 9 UDP/TLS/RTP/SAVPF 96 127", "a=rtpmap:96 VP8/90000",
             "a=rtpmap:127 red/90000", ""]
    offer = "\r\n".join(lines)
    harness = ("globalThis.RTCPeerConnection = class { async createOffer() { return { type: 'offer', sdp: "
               f"{json.dumps(offer)} }}; }} }};")
    probe = "(async () => console.log(JSON.stringify((await new RTCPeerConnection().createOffer()).sdp)))();"
    out = subprocess.run(["node", "-e", harness + init_script(("red",)) + probe], capture_output=True, text=True,
                         timeout=30, check=True)
    sdp = json.loads(out.stdout)
    assert "m=audio 9 UDP/TLS/RTP/SAVPF 111 9\r\n" in sdp and "red/48000" not in sdp and "63" not in sdp
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in sdp
    assert "a=rtpmap:127 red/90000" in sdp and "SAVPF 96 127" in sdp  # video's RED (ULPFEC's) untouched
