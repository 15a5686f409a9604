// The sealing page: the chosen file's size goes in the form's `size` field, before the file,
// so the server can state the package's length before the first byte is encrypted (the
// upload is sealed as it arrives: web/routes/sealing.py).

import { say } from "./post.js";

function wire(form) {
  const source = form.querySelector("[data-file-source]");
  const size = form.querySelector("[data-file-size]");
  const status = form.querySelector("[data-seal-status]");
  if (!source || !size) return;
  source.addEventListener("change", () => {
    const file = source.files && source.files[0];
    size.value = file ? String(file.size) : "";
    if (file) say(status, `「${file.name}」（${file.size.toLocaleString("ja-JP")} バイト）を封緘します。`);
  });
  form.addEventListener("submit", () => {
    say(status, "暗号化しています。完了するまでこの画面を閉じないでください…");
  });
}

document.querySelectorAll("form[data-seal-upload]").forEach(wire);
