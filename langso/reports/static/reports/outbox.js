/* Làng Số – reports kept on the phone until they are sent (window and service worker).

   A report written without a connection (or while sending) is stored in IndexedDB with its
   photos and video as Blobs and its client token. flush() sends what is due: the server
   answers a repeated client token with the report already made, so a retry after a lost
   answer never makes a second report. Network errors and 429/5xx are retried with backoff
   (15 s, 30 s, 1 min, … at most 15 min); a refusal (400/413) is kept as failed with the
   server's message until the reporter edits or removes it. */
(function (scope) {
  "use strict";
  const DB_NAME = "langso-reports";
  const STORE = "outbox";
  const SENT = "sent";
  const BACKOFF_BASE = 15000;
  const BACKOFF_MAX = 15 * 60000;
  const SENDING_STALE = 5 * 60000; // a send that never finished (tab closed) counts as failed

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, {keyPath: "id"});
        if (!db.objectStoreNames.contains(SENT)) db.createObjectStore(SENT, {keyPath: "id"});
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(storeName, mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(storeName, mode);
        const store = tx.objectStore(storeName);
        let result;
        Promise.resolve(work(store)).then((value) => { result = value; });
        tx.oncomplete = () => resolve(result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function uuid() {
    if (scope.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /* item: {url, tokenUrl, commune, title, fields: [[name, value]], files: [{field, name,
     type, blob}]} — the client token is made here and kept with it for every retry. */
  async function add(item) {
    const record = Object.assign({}, item, {
      id: item.id || uuid(), created: Date.now(), attempts: 0, nextTry: 0,
      state: "waiting", error: "",
    });
    await run(STORE, "readwrite", (store) => request(store.put(record)));
    notify();
    return record;
  }

  const all = () => run(STORE, "readonly", (store) => request(store.getAll()));
  const sent = () => run(SENT, "readonly", (store) => request(store.getAll()));
  const put = (record) => run(STORE, "readwrite", (store) => request(store.put(record)));
  async function remove(id) {
    await run(STORE, "readwrite", (store) => request(store.delete(id)));
    notify();
  }

  function notify() {
    if (typeof scope.dispatchEvent === "function" && typeof CustomEvent === "function") {
      try { scope.dispatchEvent(new CustomEvent("langso-outbox")); } catch (e) { /* worker */ }
    }
    if (scope.clients && scope.clients.matchAll) {  // the worker tells the open pages
      scope.clients.matchAll({includeUncontrolled: true}).then((pages) => pages.forEach(
        (page) => page.postMessage({type: "langso-outbox"})));
    }
  }

  function delay(attempts) {
    return Math.min(BACKOFF_MAX, BACKOFF_BASE * Math.pow(2, Math.max(0, attempts - 1)));
  }

  async function csrfToken(url) {
    const response = await fetch(url, {credentials: "same-origin", cache: "no-store",
                                       headers: {Accept: "application/json"}});
    if (!response.ok) throw new Error("token " + response.status);
    return (await response.json()).csrf;
  }

  /* One send: "sent" (with the server's answer), "failed" (refused: needs the reporter)
     or "retry" (network, busy server). */
  async function sendOne(record) {
    let token;
    try {
      token = await csrfToken(record.tokenUrl);
    } catch (error) {
      return {outcome: "retry", error: String(error)};
    }
    const body = new FormData();
    for (const [name, value] of record.fields) body.append(name, value);
    body.set("client_token", record.id);
    body.set("app", "1");
    for (const file of record.files || []) body.append(file.field, file.blob, file.name);
    let response;
    try {
      response = await fetch(record.url, {
        method: "POST", body, credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRFToken": token},
      });
    } catch (error) {
      return {outcome: "retry", error: String(error)};
    }
    let answer = {};
    try { answer = await response.json(); } catch (e) { answer = {}; }
    if (response.ok) return {outcome: "sent", answer};
    if (response.status === 429 || response.status >= 500 || response.status === 403) {
      return {outcome: "retry", error: (answer.error && answer.error.message) || String(response.status)};
    }
    return {outcome: "failed", error: (answer.error && answer.error.message) || String(response.status),
            fields: (answer.error && answer.error.fields) || {}};
  }

  async function flushLocked(options) {
    const now = Date.now();
    const summary = {sent: [], waiting: 0, failed: 0};
    for (const record of await all()) {
      if (record.state === "failed") { summary.failed += 1; continue; }
      if (record.state === "sending" && now - (record.started || 0) < SENDING_STALE) {
        summary.waiting += 1;
        continue;
      }
      if (!options.force && record.nextTry > now) { summary.waiting += 1; continue; }
      record.state = "sending";
      record.started = now;
      await put(record);
      notify();
      const result = await sendOne(record);
      if (result.outcome === "sent") {
        await run(SENT, "readwrite", (store) => request(store.put({
          id: record.id, commune: record.commune, title: record.title,
          reference: result.answer.reference, url: result.answer.url, at: Date.now()})));
        await run(STORE, "readwrite", (store) => request(store.delete(record.id)));
        summary.sent.push(Object.assign({id: record.id}, result.answer));
      } else if (result.outcome === "failed") {
        record.state = "failed";
        record.error = result.error;
        record.fieldErrors = result.fields;
        await put(record);
        summary.failed += 1;
      } else {
        record.state = "waiting";
        record.attempts += 1;
        record.nextTry = Date.now() + delay(record.attempts);
        record.error = result.error;
        await put(record);
        summary.waiting += 1;
      }
      notify();
    }
    return summary;
  }

  /* Send what is due (everything with {force: true}). One flush at a time across the
     pages and the worker where the browser has Web Locks; elsewhere a rare double send
     is answered by the server with the same report (same client token). */
  function flush(options) {
    options = options || {};
    if (scope.navigator && navigator.locks && navigator.locks.request) {
      return navigator.locks.request("langso-report-outbox", () => flushLocked(options));
    }
    return flushLocked(options);
  }

  async function forgetSent(id) {
    await run(SENT, "readwrite", (store) => request(store.delete(id)));
    notify();
  }

  scope.LangsoOutbox = {add, all, sent, remove, flush, forgetSent, uuid, delay};
})(self);
