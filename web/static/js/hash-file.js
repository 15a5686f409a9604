// The SHA-256 of a file chosen on this PC, computed here with WebCrypto: the file itself never
// leaves the computer; only its hash is sent (LGWAN receipt by hash, actions.lgwan).
//
// <form data-hash-file>: its <input type="file" data-hash-source> is hashed into its
// <input type="hidden" data-hash-target> (the field the server reads), its name into
// [data-hash-name] if there is one; the file input has no name, so the browser could not
// upload the file even if asked.

import { say } from "./post.js";

export async function sha256Hex(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function wire(form) {
  const source = form.querySelector("[data-hash-source]");
  const target = form.querySelector("[data-hash-target]");
  const shown = form.querySelector("[data-hash-shown]");
  const named = form.querySelector("[data-hash-name]");
  const status = form.querySelector("[data-hash-status]");
  const submit = form.querySelector("button[type=submit]");
  if (!source || !target) return;
  source.removeAttribute("name");
  if (submit) submit.disabled = true;
  source.addEventListener("change", async () => {
    target.value = "";
    if (shown) shown.textContent = "";
    if (submit) submit.disabled = true;
    const file = source.files && source.files[0];
    if (!file) return;
    say(status, `「${file.name}」のハッシュ値を計算しています…`);
    try {
      const hex = await sha256Hex(file);
      target.value = hex;
      if (named) named.value = file.name;
      if (shown) shown.textContent = hex;
      say(status, `計算しました（${file.size.toLocaleString("ja-JP")} バイト）。ファイルは送信されません。`, "ok");
      if (submit) submit.disabled = false;
    } catch (error) {
      say(status, `ハッシュ値を計算できませんでした（${error && error.name}）。`, "error");
    }
  });
  form.addEventListener("submit", (event) => {
    if (!/^[0-9a-f]{64}$/.test(target.value)) {
      event.preventDefault();
      say(status, "ファイルを選んでください。", "error");
    }
  });
}

document.querySelectorAll("form[data-hash-file]").forEach(wire);
