// Connection quality from getStats: round-trip time, loss, bitrates, decoded frames, audio energy.
const last = new WeakMap(); // pc -> { t, bytesIn, bytesOut, lost, received }

async function sample(pc, out) {
  if (!pc || pc.connectionState === "closed") return;
  const stats = await pc.getStats();
  let bytesIn = 0, bytesOut = 0, lost = 0, received = 0;
  stats.forEach((s) => {
    if (s.type === "inbound-rtp") {
      bytesIn += s.bytesReceived || 0;
      lost += Math.max(0, s.packetsLost || 0);
      received += s.packetsReceived || 0;
      if (s.kind === "video") out.framesDecoded += s.framesDecoded || 0;
      if (s.kind === "audio") {
        out.audioPackets += s.packetsReceived || 0;
        out.audioEnergy += s.totalAudioEnergy || 0;
      }
    } else if (s.type === "outbound-rtp") {
      bytesOut += s.bytesSent || 0;
      if (s.kind === "video") out.framesSent += s.framesSent || 0;
    } else if (s.type === "remote-inbound-rtp") {
      if (typeof s.roundTripTime === "number") out._rtts.push(s.roundTripTime * 1000);
      if (typeof s.fractionLost === "number") out._fractions.push(s.fractionLost);
    } else if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") {
      out._rtts.push(s.currentRoundTripTime * 1000);
    }
  });
  const now = performance.now();
  const prev = last.get(pc);
  last.set(pc, { t: now, bytesIn, bytesOut, lost, received });
  if (prev && now > prev.t) {
    const dt = (now - prev.t) / 1000;
    out.inKbps += ((bytesIn - prev.bytesIn) * 8) / 1000 / dt;
    out.outKbps += ((bytesOut - prev.bytesOut) * 8) / 1000 / dt;
    const dLost = lost - prev.lost, dRecv = received - prev.received;
    if (dLost + dRecv > 0) out._fractions.push(dLost / (dLost + dRecv));
  }
}

export async function readQuality(pubPc, subPcs) {
  const out = { rttMs: null, lossPct: 0, inKbps: 0, outKbps: 0, framesDecoded: 0, framesSent: 0,
    audioPackets: 0, audioEnergy: 0, level: "unknown", _rtts: [], _fractions: [] };
  await Promise.all([sample(pubPc, out), ...subPcs.map((pc) => sample(pc, out))]);
  if (out._rtts.length) out.rttMs = Math.round(Math.max(...out._rtts));
  if (out._fractions.length) out.lossPct = Math.round(Math.max(...out._fractions) * 1000) / 10;
  out.inKbps = Math.round(out.inKbps);
  out.outKbps = Math.round(out.outKbps);
  delete out._rtts;
  delete out._fractions;
  if (out.rttMs === null && !out.framesDecoded) out.level = "unknown";
  else if ((out.rttMs ?? 0) > 400 || out.lossPct > 8) out.level = "poor";
  else if ((out.rttMs ?? 0) > 200 || out.lossPct > 3) out.level = "fair";
  else out.level = "good";
  return out;
}
