// The scanning station's camera: QR codes read from the video with zxing-wasm (vendored in
// /static/vendor/zxing-wasm, its .wasm served from there too: never from a CDN), each decoded
// text handed to the station exactly as a USB scanner hands it: typed into the always-focused
// scan field, then its form submitted (the scanner's Enter).
//
// <section data-camera-scan data-scan-input="#scan">: a [data-camera-start] button, a <video>,
// and a [data-camera-status] element (role="status").

import { say } from "./post.js";

const VENDOR = "/static/vendor/zxing-wasm/reader/";
// A label held in front of the camera is seen in frame after frame: it counts once, until it
// has been out of sight this long (then showing it again is a second scan, as with a scanner).
const OUT_OF_SIGHT_MS = 1500;
const FRAME_INTERVAL_MS = 150;

let reader = null;

async function loadReader() {
  if (reader) return reader;
  const zxing = await import(`${VENDOR}index.js`);
  // zxing-wasm's default locateFile points at a CDN; the .wasm is served by this server.
  await zxing.prepareZXingModule({
    overrides: {locateFile: (path, prefix) => (path.endsWith(".wasm") ? VENDOR + path : prefix + path)},
    fireImmediately: true,
  });
  reader = zxing;
  return reader;
}

export async function decodeFrame(zxing, video, canvas) {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!width || !height) return [];
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  context.drawImage(video, 0, 0, width, height);
  const results = await zxing.readBarcodes(context.getImageData(0, 0, width, height),
                                           {formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 4});
  return results.filter((r) => r.isValid && r.text).map((r) => r.text);
}

// The scan field is looked up at each code: htmx swaps the scan area after every scan.
function handToStation(selector, text) {
  const input = document.querySelector(selector);
  if (!input) return;
  input.value = text;
  input.dispatchEvent(new Event("input", {bubbles: true}));
  if (input.form) input.form.requestSubmit();
  input.focus();
}

function wire(section) {
  const selector = section.dataset.scanInput;
  const focusInput = () => { const input = document.querySelector(selector); if (input) input.focus(); };
  const start = section.querySelector("[data-camera-start]");
  const video = section.querySelector("video");
  const status = section.querySelector("[data-camera-status]");
  const canvas = document.createElement("canvas");
  if (!start || !video) return;
  let stream = null;
  const lastSeen = new Map();      // text -> when it was last in a frame

  async function loop(zxing) {
    if (!stream) return;
    try {
      for (const text of await decodeFrame(zxing, video, canvas)) {
        const now = performance.now();
        const seen = lastSeen.get(text);
        lastSeen.set(text, now);
        if (seen !== undefined && now - seen < OUT_OF_SIGHT_MS) continue;
        handToStation(selector, text);
      }
    } catch (error) {
      say(status, `読取りに失敗しました（${error && error.name}）。`, "error");
    }
    setTimeout(() => loop(zxing), FRAME_INTERVAL_MS);
  }

  function stop() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.srcObject = null;
    start.textContent = "カメラで読み取る";
    say(status, "カメラを止めました。");
    focusInput();
  }

  start.addEventListener("click", async () => {
    if (stream) {
      stop();
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(status, "このブラウザーではカメラを使えません（https または localhost で開いてください）。", "error");
      return;
    }
    try {
      say(status, "カメラを準備しています…");
      const zxing = await loadReader();
      stream = await navigator.mediaDevices.getUserMedia(
        {video: {facingMode: "environment", width: {ideal: 1280}}, audio: false});
      video.srcObject = stream;
      await video.play();
      start.textContent = "カメラを止める";
      say(status, "ラベルのQRコードをカメラに向けてください。", "ok");
      focusInput();
      loop(zxing);
    } catch (error) {
      stream = null;
      say(status, error && error.name === "NotAllowedError"
        ? "カメラの使用が許可されませんでした。" : `カメラを使えません（${error && error.name}）。`, "error");
    }
  });
}

document.querySelectorAll("section[data-camera-scan]").forEach(wire);
