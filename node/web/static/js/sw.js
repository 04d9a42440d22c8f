// Quartier's service worker: the shell (styles, script, icons, offline page) and the last feed stay
// readable offline. No push, no background sync. Served from /sw.js so its scope is the whole site.
const VERSION = "__VERSION__";
const SHELL = "shell-" + VERSION;
const PAGES = "pages";            // the last feed and the photos it showed
const SHELL_URLS = __SHELL__;
const KEEP = 80;                  // entries in PAGES; the oldest go first

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

async function trim() {
  const cache = await caches.open(PAGES);
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - KEEP))) await cache.delete(key);
}

async function networkFirst(request, key) {
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      const cache = await caches.open(PAGES);
      await cache.put(key || request, response.clone());
      trim();
    }
    return response;
  } catch (error) {
    const kept = (await caches.match(key || request)) || (await caches.match(request));
    if (kept) return kept;
    if (request.mode === "navigate") return caches.match("/offline");
    throw error;
  }
}

async function cacheFirst(request) {
  const kept = await caches.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) (await caches.open(SHELL)).put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    event.waitUntil(caches.delete(PAGES));  // what was read while signed in leaves with the session
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    if (url.pathname === "/") {
      event.respondWith(networkFirst(request, "/"));
    } else {
      event.respondWith(fetch(request).catch(async () => (await caches.match(request)) || caches.match("/offline")));
    }
  } else if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/icons/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/media/")) {
    event.respondWith(networkFirst(request));
  }
});
