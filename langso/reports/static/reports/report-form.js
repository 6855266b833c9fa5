/* Làng Số – the report form with JavaScript (it works without: this only adds to it).

   * "Dùng vị trí của tôi" (the phone's position) and "Chọn trên bản đồ" (Leaflet, loaded
     only when asked for); the position written in a JPEG's EXIF when no place is chosen.
   * Photos shrunk to at most 2048 px JPEG before sending; the video's size and length
     checked before it is sent over 3G for nothing.
   * Every report goes through the outbox (outbox.js): kept on the phone first, then sent;
     without a connection it waits and is sent when the connection returns. */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const outbox = window.LangsoOutbox;
  const app = window.LangsoApp;
  if (!form || !outbox || !app || !window.fetch || !window.indexedDB) return;
  const T = app.texts;
  const fill = app.fill;
  const MAX_SIDE = 2048;
  const QUALITY = 0.85;
  const maxPhotos = Number(form.dataset.maxPhotos || 5);
  const videoBytes = Number(form.dataset.videoMb || 30) * 1024 * 1024;
  const videoSeconds = Number(form.dataset.videoSeconds || 60);
  const box = form.dataset.box ? form.dataset.box.split(",").map(Number) : null; // s, w, n, e
  const $ = (selector) => form.querySelector(selector);
  const lat = form.elements.namedItem("latitude");
  const lng = form.elements.namedItem("longitude");
  const source = form.elements.namedItem("location_source");
  const confirmed = form.elements.namedItem("confirmed");
  const placeStatus = document.getElementById("vi-tri-trang-thai");
  const fileStatus = document.getElementById("anh-trang-thai");
  let map = null;
  let marker = null;
  let editing = null; // the outbox record being corrected

  for (const node of form.querySelectorAll(".report-map-tools, .report-offline-note")) node.hidden = false;

  // -- the place ---------------------------------------------------------------------------

  function changed(input) {
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function setPoint(latitude, longitude, how, message) {
    lat.value = Number(latitude).toFixed(6);
    lng.value = Number(longitude).toFixed(6);
    source.value = how;
    placeStatus.textContent = message || "";
    if (map) placeMarker([Number(lat.value), Number(lng.value)]);
    changed(lat);
    changed(lng);
  }

  function hasPoint() {
    return lat.value.trim() !== "" && lng.value.trim() !== "";
  }

  function inside(latitude, longitude) {
    if (!box || box.some(Number.isNaN)) return true;
    return latitude >= box[0] && latitude <= box[2] && longitude >= box[1] && longitude <= box[3];
  }

  form.addEventListener("click", (event) => {
    const target = event.target instanceof HTMLElement ? event.target : null;
    const action = target && target.dataset.action;
    if (action === "locate") locate();
    if (action === "map") openMap(target);
    if (target && target.dataset.category) {  // the classifier's suggestion, picked
      const select = form.elements.namedItem("category");
      select.value = target.dataset.category;
      changed(select);
    }
  });

  function locate() {
    if (!navigator.geolocation) { placeStatus.textContent = T.locate_failed; return; }
    placeStatus.textContent = T.locating;
    navigator.geolocation.getCurrentPosition(
      (p) => setPoint(p.coords.latitude, p.coords.longitude, "device",
                      fill(T.located, {m: Math.round(p.coords.accuracy || 0)})),
      () => { placeStatus.textContent = T.locate_failed; },
      {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  }

  function load(tag, attrs) {
    return new Promise((resolve, reject) => {
      const node = document.createElement(tag);
      Object.assign(node, attrs);
      node.onload = resolve;
      node.onerror = reject;
      document.head.append(node);
    });
  }

  async function openMap(button) {
    const holder = document.getElementById("ban-do-chon");
    holder.hidden = false;
    if (map) return;
    try {
      if (!window.L) {
        await Promise.all([load("link", {rel: "stylesheet", href: button.dataset.leafletCss}),
                           load("script", {src: button.dataset.leafletJs})]);
      }
    } catch (error) {
      holder.hidden = true;
      placeStatus.textContent = T.map_failed;
      return;
    }
    map = window.L.map(holder);
    window.L.tileLayer(button.dataset.tiles, {maxZoom: 19, attribution: button.dataset.attribution}).addTo(map);
    if (hasPoint()) map.setView([Number(lat.value), Number(lng.value)], 17);
    else if (box) map.fitBounds([[box[0], box[1]], [box[2], box[3]]]);
    else map.setView([16.0, 106.0], 6);
    if (hasPoint()) placeMarker([Number(lat.value), Number(lng.value)]);
    map.on("click", (event) => setPoint(event.latlng.lat, event.latlng.lng, "map", T.picked));
  }

  function placeMarker(point) {
    if (marker) { marker.setLatLng(point); return; }
    marker = window.L.marker(point, {draggable: true}).addTo(map);
    marker.on("dragend", () => {
      const p = marker.getLatLng();
      setPoint(p.lat, p.lng, "map", T.picked);
    });
  }

  // The nearby reports were shown live: no need for the confirmation step after sending.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.target && event.target.id === "gan-day" && event.target.textContent.trim()) confirmed.value = "True";
  });

  // -- photos and the video ----------------------------------------------------------------

  /* Latitude and longitude from a JPEG's EXIF GPS block (the bytes are read again on the
     phone: shrinking the photo through a canvas drops its EXIF). */
  async function exifPoint(file) {
    if (!/jpe?g$/i.test(file.type) && !/\.jpe?g$/i.test(file.name)) return null;
    const view = new DataView(await file.slice(0, 256 * 1024).arrayBuffer());
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    let offset = 2;
    while (offset + 4 < view.byteLength) {
      const marker_ = view.getUint16(offset);
      const size = view.getUint16(offset + 2);
      if (marker_ === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) return gpsFromTiff(view, offset + 10);
      if ((marker_ & 0xff00) !== 0xff00) return null;
      offset += 2 + size;
    }
    return null;
  }

  function gpsFromTiff(view, tiff) {
    try {
      const little = view.getUint16(tiff) === 0x4949;
      const u16 = (o) => view.getUint16(tiff + o, little);
      const u32 = (o) => view.getUint32(tiff + o, little);
      const entries = (ifd) => {  // offsets count from the start of the TIFF header
        const found = {};
        const count = u16(ifd);
        for (let i = 0; i < count; i++) {
          const e = ifd + 2 + i * 12;
          found[u16(e)] = {type: u16(e + 2), count: u32(e + 4), value: e + 8};
        }
        return found;
      };
      const gpsPointer = entries(u32(4))[0x8825];
      if (!gpsPointer) return null;
      const gps = entries(u32(gpsPointer.value));
      const ref = (tag) => (gps[tag] ? String.fromCharCode(view.getUint8(tiff + gps[tag].value)) : "");
      const degrees = (tag) => {
        if (!gps[tag] || gps[tag].count < 3) return null;
        const at = u32(gps[tag].value);
        const part = (i) => u32(at + i * 8) / (u32(at + i * 8 + 4) || 1);
        return part(0) + part(1) / 60 + part(2) / 3600;
      };
      let latitude = degrees(2);
      let longitude = degrees(4);
      if (latitude === null || longitude === null || (latitude === 0 && longitude === 0)) return null;
      if (ref(1) === "S") latitude = -latitude;
      if (ref(3) === "W") longitude = -longitude;
      return [latitude, longitude];
    } catch (error) {
      return null;
    }
  }

  async function shrink(file) {
    if (!file.type.startsWith("image/") || !window.createImageBitmap) return file;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, {imageOrientation: "from-image"});
    } catch (error) {
      return file; // a format this browser cannot open: the server says what is wrong
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    if (!blob) return file;
    const name = (file.name || "anh").replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, {type: "image/jpeg"});
  }

  function videoLength(file) {
    return new Promise((resolve) => {
      const video = document.createElement("video");
      video.preload = "metadata";
      const url = URL.createObjectURL(file);
      const done = (value) => { URL.revokeObjectURL(url); resolve(value); };
      video.onloadedmetadata = () => done(Number.isFinite(video.duration) ? video.duration : null);
      video.onerror = () => done(null);
      video.src = url;
    });
  }

  // -- sending through the outbox ------------------------------------------------------------

  function showErrors(messages) {
    let summary = document.getElementById("loi-js");
    if (!summary) {
      summary = document.createElement("div");
      summary.id = "loi-js";
      summary.className = "error-summary";
      summary.setAttribute("role", "alert");
      summary.tabIndex = -1;
      form.before(summary);
    }
    summary.replaceChildren();
    const title = document.createElement("h2");
    title.textContent = T.error_title;
    const list = document.createElement("ul");
    for (const message of messages) {
      const item = document.createElement("li");
      item.textContent = message;
      list.append(item);
    }
    summary.append(title, list);
    summary.hidden = false;
    summary.focus();
  }

  function clearErrors() {
    const summary = document.getElementById("loi-js");
    if (summary) summary.hidden = true;
  }

  async function check(photos, video) {
    const problems = [];
    if (!form.elements.namedItem("category").value) problems.push(T.need_category);
    if (form.elements.namedItem("description").value.trim().length < 10) problems.push(T.need_description);
    if (photos.length > maxPhotos) problems.push(fill(T.too_many_photos, {n: maxPhotos}));
    if (video) {
      if (video.size > videoBytes) problems.push(fill(T.video_too_big, {mb: Math.round(videoBytes / 1048576)}));
      const seconds = await videoLength(video);
      if (seconds !== null && seconds > videoSeconds) {
        problems.push(fill(T.video_too_long, {s: Math.round(seconds), max: videoSeconds}));
      }
    }
    if (!hasPoint()) {
      for (const photo of photos) {
        const point = await exifPoint(photo);
        if (point) { setPoint(point[0], point[1], "photo", T.photo_place); break; }
      }
    }
    if (hasPoint() && !inside(Number(lat.value), Number(lng.value))) {
      const ok = form.elements.namedItem("outside_ok");
      if (!(ok && ok.checked)) {
        if (window.confirm(T.outside)) {
          form.dataset.outsideOk = "1";
        } else {
          lat.value = lng.value = source.value = "";
        }
      }
    }
    const village = form.elements.namedItem("village");
    const address = form.elements.namedItem("address");
    if (!hasPoint() && !(village && village.value) && !(address && address.value.trim())) {
      problems.push(T.need_location);
    }
    return problems;
  }

  function title() {
    const category = form.elements.namedItem("category");
    const label = category.selectedOptions[0] ? category.selectedOptions[0].textContent : "";
    const text = form.elements.namedItem("description").value.trim().slice(0, 40);
    return [label, text].filter(Boolean).join(" – ");
  }

  function result(record) {
    const panel = document.createElement("section");
    panel.className = "report-sent";
    panel.setAttribute("role", "status");
    const heading = document.createElement("h2");
    heading.textContent = fill(T.sent, {ref: record.reference});
    panel.append(heading);
    if (record.url) {
      const hint = document.createElement("p");
      hint.textContent = T.link_hint;
      const link = document.createElement("a");
      link.href = record.url;
      link.rel = "noreferrer";
      link.textContent = record.url;
      const line = document.createElement("p");
      line.className = "report-secret";
      line.append(link);
      panel.append(hint, line);
    }
    return panel;
  }

  function resetForm(message) {
    form.reset();
    lat.value = lng.value = source.value = "";
    confirmed.value = "False";
    for (const node of form.querySelectorAll('input[name="kept"]')) node.remove();
    const token = form.elements.namedItem("client_token");
    if (token) token.value = outbox.uuid();
    document.getElementById("gan-day").replaceChildren();
    placeStatus.textContent = "";
    if (marker) { marker.remove(); marker = null; }
    fileStatus.textContent = message || "";
    editing = null;
    delete form.dataset.outsideOk;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      await send();
    } finally {
      button.disabled = false;
    }
  });

  async function send() {
    clearErrors();
    const photos = Array.from(form.elements.namedItem("photos").files || []);
    const video = (form.elements.namedItem("video").files || [])[0] || null;
    const problems = await check(photos, video);
    if (problems.length) { showErrors(problems); return; }
    fileStatus.textContent = photos.length ? T.shrinking : "";
    const files = [];
    for (const photo of photos) {
      const small = await shrink(photo);
      files.push({field: "photos", name: small.name, type: small.type, blob: small});
    }
    if (video) files.push({field: "video", name: video.name, type: video.type, blob: video});
    const fields = [];
    for (const [name, value] of new FormData(form)) {
      if (value instanceof File || ["csrfmiddlewaretoken", "client_token"].includes(name)) continue;
      fields.push([name, value]);
    }
    if (form.dataset.outsideOk) fields.push(["outside_ok", "on"]);
    fields.push(["confirmed", "True"]);
    // Files the server already holds from an earlier send are tied to that page's token.
    const kept = form.querySelector('input[name="kept"]');
    const pageToken = form.elements.namedItem("client_token");
    const id = editing || (kept && pageToken ? pageToken.value : outbox.uuid());
    const record = await outbox.add({
      id, url: form.getAttribute("action") || window.location.pathname,
      tokenUrl: document.getElementById("langso-pwa").dataset.tokenUrl,
      commune: form.dataset.commune, title: title(), fields, files,
    });
    fileStatus.textContent = T.sending;
    const summary = await app.flush(true);
    const done = summary && summary.sent.find((s) => s.id === record.id);
    if (done) {
      resetForm("");
      form.before(result(done));
      form.previousElementSibling.scrollIntoView({block: "start"});
      return;
    }
    const left = (await outbox.all()).find((r) => r.id === record.id);
    if (left && left.state === "failed") {
      // Refused: the reporter corrects the form still on the screen.
      await outbox.remove(record.id);
      const messages = [left.error];
      for (const [name, errors] of Object.entries(left.fieldErrors || {})) {
        for (const message of errors) if (!messages.includes(message)) messages.push(message);
        void name;
      }
      fileStatus.textContent = "";
      showErrors(messages);
      editing = record.id;
      return;
    }
    resetForm(T.saved_offline);
    app.askForSync();
  }

  // -- correcting a report the server refused, from the outbox ("Sửa lại") -----------------

  async function editFromOutbox() {
    const match = /^#sua-([0-9a-f-]{36})$/.exec(window.location.hash);
    if (!match) return;
    const record = (await outbox.all()).find((r) => r.id === match[1]);
    if (!record) return;
    for (const [name, value] of record.fields) {
      const field = form.elements.namedItem(name);
      if (!field || field instanceof RadioNodeList) continue;
      if (field.type === "checkbox") field.checked = value === "on" || value === "True";
      else if (field.type !== "file") field.value = value;
    }
    if (window.DataTransfer) {
      for (const name of ["photos", "video"]) {
        const transfer = new DataTransfer();
        for (const file of record.files.filter((f) => f.field === name)) {
          transfer.items.add(new File([file.blob], file.name, {type: file.type}));
        }
        if (transfer.files.length) form.elements.namedItem(name).files = transfer.files;
      }
    }
    editing = record.id;
    showErrors([fill(T.failed, {error: record.error})]);
  }

  editFromOutbox();
})();
