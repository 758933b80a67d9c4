// The workspace's one way to the server: same-origin fetch with the bearer
// token kept in sessionStorage (docs/workspace.md). Errors carry the
// server's {"error":{"code","message"}} verbatim.
const KEY = 'consilium.token';

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(t) { sessionStorage.setItem(KEY, t); }
export function clearToken() { sessionStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + token() };
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let doc = null;
  const text = await res.text();
  try { doc = text ? JSON.parse(text) : null; } catch { doc = null; }
  if (!res.ok) {
    const e = doc && doc.error ? doc.error : { code: 'HTTP_' + res.status, message: text || res.statusText };
    throw new ApiError(res.status, e.code, e.message);
  }
  return doc === null && text ? text : doc;
}

// The text a page shows for a failed call. A refusal (403) says so in
// words before the server's message, so a principal who lacks a role
// sees why the page is empty (docs/workspace.md, "Roles and pages").
export function describeError(e) {
  if (e instanceof ApiError && e.status === 403) return 'Refused by the server (403 ' + e.code + '): ' + e.message;
  if (e instanceof ApiError && e.status === 401) return 'Not signed in (401 ' + e.code + '): ' + e.message + '. Sign out and sign in again.';
  if (e instanceof ApiError) return e.message + ' (' + e.status + ' ' + e.code + ')';
  if (e instanceof TypeError && /fetch/i.test(e.message)) return 'The server could not be reached: ' + e.message;
  return e.message;
}

export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') n.textContent = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}
