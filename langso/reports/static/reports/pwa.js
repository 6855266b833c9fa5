/* Làng Số – the installable app on a commune's public pages: registers the service worker
   (scope /xa/<slug>/), sends the reports waiting on the phone when the page loads, when the
   connection returns and through Background Sync where the browser has it, and shows the
   outbox ("Đang chờ gửi: 1 phản ánh") in #hop-thu-di. */
(function () {
  "use strict";
  const script = document.getElementById("langso-pwa");
  const textsNode = document.getElementById("langso-report-texts");
  if (!script || !window.LangsoOutbox) return;
  const T = textsNode ? JSON.parse(textsNode.textContent) : {};
  const outbox = window.LangsoOutbox;
  const SYNC_TAG = "langso-report-outbox";
  let timer = null;

  const fill = (text, values) => String(text || "").replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

  async function register() {
    if (!("serviceWorker" in navigator)) return null;
    try {
      return await navigator.serviceWorker.register(script.dataset.worker, {scope: script.dataset.scope});
    } catch (error) {
      return null; // http:// on a LAN address, private mode: the page works without it
    }
  }

  async function askForSync() {
    if (!("serviceWorker" in navigator)) return;
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register(SYNC_TAG);
    } catch (error) { /* no Background Sync: the online event and page loads send it */ }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function render() {
    const panel = document.getElementById("hop-thu-di");
    if (!panel) return;
    let waiting = [];
    let done = [];
    try {
      waiting = await outbox.all();  // every commune's: a visitor may report in two
      done = (await outbox.sent()).sort((a, b) => b.at - a.at).slice(0, 5);
    } catch (error) {
      panel.hidden = true;
      return;
    }
    panel.replaceChildren();
    if (!waiting.length && !done.length) { panel.hidden = true; return; }
    panel.hidden = false;
    if (waiting.length) {
      panel.append(el("p", {class: "outbox-count"}, fill(T.waiting, {n: waiting.length})));
      const list = el("ul", {class: "outbox-list"});
      for (const record of waiting.sort((a, b) => a.created - b.created)) {
        const item = el("li", {"data-id": record.id});
        item.append(el("span", {}, record.title || T.untitled));
        let state = "";
        if (record.state === "sending") state = T.sending;
        else if (record.state === "failed") state = fill(T.failed, {error: record.error});
        else if (record.nextTry > Date.now()) {
          state = fill(T.retry_at, {time: new Date(record.nextTry).toLocaleTimeString("vi-VN", {hour: "2-digit", minute: "2-digit"})});
        }
        if (state) item.append(" — ", el("span", {class: record.state === "failed" ? "error" : "muted"}, state));
        if (record.state === "failed" && script.dataset.formUrl) {
          const edit = el("a", {href: script.dataset.formUrl + "#sua-" + record.id}, T.edit);
          item.append(" ", edit);
        }
        const remove = el("button", {type: "button", class: "link", "data-remove": record.id}, T.remove);
        item.append(" ", remove);
        list.append(item);
      }
      panel.append(list);
      if (waiting.some((r) => r.state !== "failed")) {
        panel.append(el("button", {type: "button", class: "secondary", "data-send-now": "1"}, T.send_now));
      }
    }
    if (done.length) {
      panel.append(el("p", {class: "outbox-count"}, T.recent));
      const list = el("ul", {class: "outbox-list"});
      for (const record of done) {
        const item = el("li");
        item.append(el("span", {}, fill(T.sent, {ref: record.reference || ""}) + " "));
        if (record.url) item.append(el("a", {href: record.url, rel: "noreferrer"}, record.url));
        list.append(item);
      }
      panel.append(list);
    }
  }

  async function flush(force) {
    if (!navigator.onLine && !force) { await render(); return null; }
    let summary = null;
    try {
      summary = await outbox.flush({force: !!force});
    } catch (error) { summary = null; }
    await render();
    schedule();
    return summary;
  }

  /* While something waits, look again when its next try is due (the page stays open). */
  async function schedule() {
    clearTimeout(timer);
    let records = [];
    try { records = await outbox.all(); } catch (error) { return; }
    const due = records.filter((r) => r.state === "waiting").map((r) => r.nextTry);
    if (!due.length) return;
    const wait = Math.max(1000, Math.min(...due) - Date.now());
    timer = setTimeout(() => flush(false), Math.min(wait, 15 * 60000));
    askForSync();
  }

  document.addEventListener("click", async (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.dataset.remove) {
      if (window.confirm(T.confirm_remove)) await outbox.remove(target.dataset.remove);
      render();
    } else if (target.dataset.sendNow) {
      flush(true);
    } else if (target.dataset.copy) {
      const link = document.querySelector(target.dataset.copy);
      if (link && navigator.clipboard) {
        navigator.clipboard.writeText(link.textContent.trim()).then(() => { target.textContent = T.copied; });
      }
    }
  });
  for (const button of document.querySelectorAll("[data-copy][hidden]")) {
    if (navigator.clipboard) button.hidden = false;
  }

  // The connection is back: whatever waited for it goes now, backoff or not.
  window.addEventListener("online", () => flush(true));
  window.addEventListener("langso-outbox", () => render());
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "langso-outbox") render();
    });
  }

  window.LangsoApp = {flush, render, askForSync, texts: T, fill};
  register();
  flush(false);
})();
