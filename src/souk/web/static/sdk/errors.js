// Errors with a stable code the UI can switch on.
export class SoukError extends Error {
  constructor(code, message, details) {
    super(message || code);
    this.name = "SoukError";
    this.code = code;
    this.details = details || {}; // e.g. room_elsewhere: {node, url, signal_url}
  }
}

// getUserMedia failures -> clear, stable codes.
export function mediaError(e) {
  switch (e && e.name) {
    case "NotAllowedError":
    case "SecurityError":
      return new SoukError("camera_denied", "camera or microphone permission was denied; allow it in the browser's site settings and try again");
    case "NotFoundError":
    case "OverconstrainedError":
      return new SoukError("camera_missing", "no camera or microphone was found (or the chosen device is gone)");
    case "NotReadableError":
    case "AbortError":
      return new SoukError("camera_busy", "the camera or microphone is in use by another application");
    default:
      return new SoukError("media_failed", `could not start the camera: ${e && e.message ? e.message : e}`);
  }
}
