/* Làng Số – the service worker of one commune's public pages ({{ scope }}).
   Keeps the report form and its files for offline use, serves them when the network is
   gone, and sends the reports waiting on the phone (outbox.js) on Background Sync. */
"use strict";
const VERSION = "{{ version }}";
const CACHE = "langso-{{ scope|cut:'/' }}-" + VERSION;
const SCOPE = "{{ scope }}";
const FORM_URL = "{{ form_url }}";
const STATIC_PREFIX = "{{ static_prefix }}";
// Pages kept for offline reading: public pages only (never a page with personal data).
const PAGES = [FORM_URL{% for url in cached_pages %}, "{{ url }}"{% endfor %}];
const PRECACHE = [...PAGES{% for url in static_urls %}, "{{ url }}"{% endfor %}];
const OFFLINE_HTML = '<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Làng Số</title><body style="font:1rem/1.5 system-ui,sans-serif;padding:1rem"><p>{{ offline_text|escapejs }}</p><p><a href="' + FORM_URL + '">{{ offline_link|escapejs }}</a></p></body></html>';

importScripts("{{ outbox_url }}");

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one: a page that fails (offline during install) must not lose the others.
    await Promise.all(PRECACHE.map((url) => cache.add(new Request(url, {credentials: "same-origin"})).catch(() => null)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const prefix = CACHE.slice(0, CACHE.length - VERSION.length);
    for (const name of await caches.keys()) {
      if (name.startsWith(prefix) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isPage(url) {
  return PAGES.includes(url.pathname) && !url.search;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    // Static names carry a hash of their content in production: cache first.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const kept = await cache.match(request);
      if (kept) return kept;
      const response = await fetch(request);
      if (response.ok) cache.put(request, response.clone());
      return response;
    })());
    return;
  }
  if (request.mode !== "navigate" || !url.pathname.startsWith(SCOPE)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok && isPage(url)) cache.put(url.pathname, response.clone());
      return response;
    } catch (error) {
      const kept = await cache.match(url.pathname) ||
        (url.pathname.startsWith(FORM_URL) ? await cache.match(FORM_URL) : null);
      if (kept) return kept;
      return new Response(OFFLINE_HTML, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
    }
  })());
});

// Reports kept on the phone: sent when the browser says the connection is back.
// A sync that leaves reports waiting fails, so the browser tries it again later.
self.addEventListener("sync", (event) => {
  if (event.tag !== "langso-report-outbox") return;
  event.waitUntil(self.LangsoOutbox.flush({force: true}).then((summary) => {
    if (summary && summary.waiting) throw new Error("reports still waiting");
  }));
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "langso-send-outbox") {
    event.waitUntil(self.LangsoOutbox.flush({force: true}));
  }
});
