// POSTing JSON to the server with the session's CSRF token, as htmx does from <body hx-headers>.

export function csrfToken() {
  const headers = document.body.getAttribute("hx-headers");
  if (!headers) return "";
  try {
    return JSON.parse(headers)["X-CSRF-Token"] || "";
  } catch {
    return "";
  }
}

export async function postJSON(url, data) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json",
              "X-CSRF-Token": csrfToken()},
    body: JSON.stringify(data),
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = {error: `サーバーの応答を読み取れませんでした（HTTP ${response.status}）`};
  }
  if (!response.ok && !body.error) body.error = `HTTP ${response.status}`;
  return body;
}

// POST a form's fields (url-encoded, as the browser would) and read the JSON answer: the first
// step of a passkey ceremony goes to the page's own form route, which reads its form as usual.
export async function postForm(url, fields, extraHeaders = {}) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {"Accept": "application/json", "X-CSRF-Token": csrfToken(), ...extraHeaders},
    body: new URLSearchParams(fields),
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = {error: `サーバーの応答を読み取れませんでした（HTTP ${response.status}）`};
  }
  if (!response.ok && !body.error) body.error = `HTTP ${response.status}`;
  return body;
}

// Show a message in the element (role="status" / "alert"), never as HTML.
export function say(element, text, kind = "info") {
  if (!element) return;
  element.textContent = text;
  element.dataset.kind = kind;
}
