// Passkeys (WebAuthn) for sign-in, enrolment and the electronic 押印 on acts.
//
// The server drives every ceremony as a short exchange of JSON steps (web/passkeys.py):
//   {"create": options, "next": url, "token": t}  -> navigator.credentials.create, POST to next
//   {"get": {"challenges": [b64u…], "rp_id", "allow": [b64u…]}, "next": url, "token": t}
//                                                  -> one assertion per challenge, POST to next
//   {"done": true, "redirect": url}                -> go there
//   {"error": "…", "field": name}                  -> say it beside the form
// User verification is always "required": Windows Hello's PIN or biometrics, or the security
// key's PIN. Binary values travel as base64url without padding.

import { postForm, postJSON, say } from "./post.js";

export function b64u(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function unb64u(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// navigator.credentials.create with the server's options; returns what the server parses.
export async function createPasskey(options) {
  const publicKey = {
    ...options,
    challenge: unb64u(options.challenge),
    user: {...options.user, id: unb64u(options.user.id)},
    excludeCredentials: (options.excludeCredentials || []).map(
      (c) => ({...c, id: unb64u(c.id)})),
    authenticatorSelection: {...(options.authenticatorSelection || {}),
                             userVerification: "required"},
  };
  const credential = await navigator.credentials.create({publicKey});
  return {
    raw_id: b64u(credential.rawId),
    attestation_object: b64u(credential.response.attestationObject),
    client_data_json: b64u(credential.response.clientDataJSON),
  };
}

// One user-verified assertion over `challenge` (base64url).
export async function assertion(challenge, {rpId, allow = [], timeout = 120000} = {}) {
  const publicKey = {
    challenge: unb64u(challenge),
    rpId,
    timeout,
    userVerification: "required",
    allowCredentials: allow.map((id) => ({type: "public-key", id: unb64u(id)})),
  };
  const credential = await navigator.credentials.get({publicKey});
  const response = credential.response;
  return {
    raw_id: b64u(credential.rawId),
    authenticator_data: b64u(response.authenticatorData),
    client_data_json: b64u(response.clientDataJSON),
    sig: b64u(response.signature),
    user_handle: response.userHandle ? b64u(response.userHandle) : null,
  };
}

const CANCELLED = "パスキーの操作が取り消されたか、時間切れになりました。もう一度お試しください。";

// Run the server's steps from the first POST of the form's `fields` (URLSearchParams) to
// `url` until done or refused.
export async function runCeremony(url, fields, status, extraHeaders = {}) {
  let step = await postForm(url, fields, extraHeaders);
  while (!step.error && !step.done) {
    if (step.create) {
      say(status, "パスキーを作成しています。Windows Hello またはセキュリティキーで本人確認をしてください。");
      const made = await createPasskey(step.create);
      step = await postJSON(step.next, {token: step.token, ...made});
    } else if (step.get) {
      const {challenges, rp_id: rpId, allow} = step.get;
      const assertions = [];
      for (let i = 0; i < challenges.length; i++) {
        say(status, challenges.length > 1
          ? `電子押印 ${i + 1}/${challenges.length}：パスキーで本人確認をしてください。`
          : "パスキーで本人確認をしてください（電子押印）。");
        assertions.push(await assertion(challenges[i], {rpId, allow}));
      }
      step = await postJSON(step.next, {token: step.token, assertions});
    } else {
      step = {error: "サーバーの応答が不正です。"};
    }
  }
  return step;
}

// The form's fields as the browser would send them, with the button that was pressed.
function formFields(form, submitter) {
  const fields = new URLSearchParams();
  for (const [name, value] of new FormData(form, submitter || undefined)) {
    if (!(value instanceof File)) fields.append(name, value);
  }
  return fields;
}

// Every <form data-passkey="URL"> runs its ceremony instead of a plain submit; its
// [data-passkey-status] element (role="status") tells the person what is happening.
function wire(form) {
  const status = form.querySelector("[data-passkey-status]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.PublicKeyCredential) {
      say(status, "このブラウザーはパスキーに対応していません。Edge または Chrome をお使いください。", "error");
      return;
    }
    const buttons = form.querySelectorAll("button, input[type=submit]");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const step = await runCeremony(form.dataset.passkey, formFields(form, event.submitter), status,
                                     form.dataset.passkeyAct ? {"X-Passkey-Act": "1"} : {});
      if (step.error) {
        say(status, step.error, "error");
      } else if (step.redirect) {
        window.location.assign(step.redirect);
      } else {
        say(status, step.message || "完了しました。", "ok");
      }
    } catch (error) {
      const cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
      say(status, cancelled ? CANCELLED : `パスキーの操作に失敗しました（${error && error.name}）。`, "error");
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

// A passkey user's other acts: every POST form of the page (but sign-out, file uploads and the
// scanning station's htmx field, which record nothing) is signed with the passkey, through the
// server's PasskeyActs (web/passkeys.py). Its passphrase field, if any, is not needed.
function wireAct(form) {
  const action = new URL(form.action, window.location.href);
  form.dataset.passkey = action.pathname + action.search;
  form.dataset.passkeyAct = "1";
  form.querySelectorAll("input[type=password]").forEach((input) => {
    input.required = false;
    input.hidden = true;
    for (const label of input.labels || []) label.hidden = true;
  });
  // The page's note asking for the passphrase again: here the passkey is the 押印.
  form.querySelectorAll(".seal").forEach((note) => { note.hidden = true; });
  if (!form.querySelector("[data-passkey-status]")) {
    const status = document.createElement("p");
    status.className = "status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.dataset.passkeyStatus = "";
    status.textContent = "電子押印：この操作は押印に代わる電子署名として台帳に記録されます。"
      + "ボタンを押すと、その内容に対してパスキー（Windows Hello・セキュリティキー）による本人確認を求めます。";
    const button = form.querySelector("button[type=submit], button:not([type])");
    form.insertBefore(status, button);
  }
}

if (document.body.hasAttribute("data-passkey-session")) {
  document.querySelectorAll("form").forEach((form) => {
    const post = (form.getAttribute("method") || "").toLowerCase() === "post";
    const skip = form.dataset.passkey || form.hasAttribute("hx-post") || form.hasAttribute("data-no-passkey")
      || form.enctype === "multipart/form-data" || new URL(form.action, window.location.href).pathname === "/signout";
    if (post && !skip) wireAct(form);
  });
}
document.querySelectorAll("form[data-passkey]").forEach(wire);
