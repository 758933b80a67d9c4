// The adjudicator page's WebSocket (docs/workspace.md, "Adjudicator"; the
// protocol: docs/websocket.md, "Adjudication"): same origin `/v1/ws`, the
// token in a first `auth` message (a browser cannot set the Authorization
// header on the upgrade), then every request is `{id, type, ...}` answered
// once with that id; pushes (no id) go to `onPush`. A reply that does not
// come within REPLY_MS rejects with DEADLINE_EXCEEDED; a closed socket
// rejects everything pending with UNAVAILABLE.
import { ApiError } from '/app/api.js';

const REPLY_MS = 10000;

// The HTTP status the server gives each canonical code (docs/server.md), so
// describeError words a WebSocket refusal as it words the REST one.
const STATUS = {
  INVALID_ARGUMENT: 400, OUT_OF_RANGE: 400, FAILED_PRECONDITION: 400, UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403, NOT_FOUND: 404, ALREADY_EXISTS: 409, ABORTED: 409,
  RESOURCE_EXHAUSTED: 429, UNAVAILABLE: 503, DEADLINE_EXCEEDED: 504,
};

export function wsError(code, message) {
  return new ApiError(STATUS[code] || 500, code, message);
}

export class AdjudicationSocket {
  // onPush(msg) for every push; onClose({code, reason, opened}) once.
  constructor({ token, onPush, onClose }) {
    this.token = token;
    this.onPush = onPush;
    this.onClose = onClose;
    this.pending = new Map();
    this.nextId = 1;
    this.open = false;
    this.closed = false;
  }

  // Resolves with whoami's body once the socket is open and authenticated;
  // rejects (and closes) when it cannot open or the token is refused.
  connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/ws';
    return new Promise((resolve, reject) => {
      let ws;
      try { ws = new WebSocket(url); } catch (e) { reject(wsError('UNAVAILABLE', 'the WebSocket could not be created: ' + e.message)); return; }
      this.ws = ws;
      // An upgrade nobody answers: give up after REPLY_MS (onclose follows).
      const opening = setTimeout(() => { if (ws.readyState === WebSocket.CONNECTING) ws.close(); }, REPLY_MS);
      ws.onopen = () => {
        clearTimeout(opening);
        this.send('auth', { token: this.token }).then((who) => { this.open = true; resolve(who); }, (e) => { reject(e); this.close(); });
      };
      ws.onmessage = (ev) => this.receive(ev.data);
      ws.onclose = (ev) => {
        clearTimeout(opening);
        const wasOpen = this.open;
        this.open = false;
        this.closed = true;
        const why = 'the WebSocket closed (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + ')';
        for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(wsError('UNAVAILABLE', why)); }
        this.pending.clear();
        reject(wsError('UNAVAILABLE', why));
        if (this.onClose) this.onClose({ code: ev.code, reason: ev.reason, opened: wasOpen });
      };
    });
  }

  // One request: resolves with its result, rejects with an ApiError.
  send(type, fields = {}) {
    if (this.closed || !this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(wsError('UNAVAILABLE', 'the WebSocket is not open'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(wsError('DEADLINE_EXCEEDED', type + ': no answer from the server within ' + REPLY_MS / 1000 + ' s'));
      }, REPLY_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  receive(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    if (msg.id !== undefined && msg.id !== null && (msg.type === 'result' || msg.type === 'error')) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'result') p.resolve(msg.result);
      else p.reject(wsError(msg.error && msg.error.code, (msg.error && msg.error.message) || 'error'));
      return;
    }
    if (this.onPush) this.onPush(msg);
  }

  close() {
    this.onClose = null;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, 'page left');
  }
}
