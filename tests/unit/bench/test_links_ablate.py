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
    with pytest.raises(SystemExit, match="takes playout, layers; not fec"):
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
