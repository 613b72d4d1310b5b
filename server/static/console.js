// Doorstep console: keyboard shortcuts everywhere, and on the board the selection, the
// side panel and bulk actions. The pages work without it (plain links and forms); this
// only makes them quicker to drive all day.
(function () {
  "use strict";

  // Fields marked data-autosubmit send their form when changed (the board's day picker);
  // the Content-Security-Policy allows no inline onchange handlers.
  document.addEventListener("change", (event) => {
    const field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });

  const typing = (el) => el && (el.isContentEditable ||
    ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));

  // --- the board ---------------------------------------------------------------------
  const items = () => [...document.querySelectorAll("#board-live [data-order]")];
  let current = null;

  function markCurrent() {
    items().forEach((el) => el.classList.toggle("current", el.dataset.order === current));
    window.doorstepCurrent = current || "";
  }

  function focusItem(el) {
    if (!el) return;
    current = el.dataset.order;
    markCurrent();
    const link = el.querySelector("a");
    link.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  function openItem(el) {
    const link = el && el.querySelector("a[data-panel]");
    if (!link || !window.htmx) return false;
    current = el.dataset.order;
    markCurrent();
    htmx.ajax("GET", link.dataset.panel, { target: "#panel", swap: "innerHTML" });
    history.replaceState(null, "", link.href);
    return true;
  }

  function updateBulk() {
    const bar = document.getElementById("bulk");
    if (!bar) return;
    const count = document.querySelectorAll("input[name=sel]:checked").length;
    bar.hidden = count === 0;
    bar.querySelector("[data-selected-count]").textContent = count;
  }

  function clearSelection() {
    document.querySelectorAll("input[name=sel]:checked").forEach((box) => { box.checked = false; });
    updateBulk();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-panel]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
      if (openItem(link.closest("[data-order]"))) event.preventDefault();
    }
    if (event.target.closest("[data-clear-selection]")) clearSelection();
    if (event.target.closest("[data-show-shortcuts]")) showShortcuts();
  });

  document.addEventListener("change", (event) => {
    if (event.target.name === "sel") updateBulk();
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && (event.detail.target.id === "board-live" ||
        event.detail.target.closest && event.detail.target.closest("#board-live"))) {
      markCurrent();
      updateBulk();
    }
  });

  // The lanes scroll sideways on a laptop: open them at the working day's start (or an
  // earlier job, or now), and keep the dispatcher's scroll through the 15 s refreshes.
  function scrollLanes() {
    const lanes = document.querySelector(".lanes");
    const track = lanes && lanes.querySelector(".lane .lane-track");
    if (!track || lanes.scrollWidth <= lanes.clientWidth) return;
    const percents = [parseFloat(lanes.dataset.firstHour || "0")];
    lanes.querySelectorAll(".job").forEach((job) => percents.push(parseFloat(job.style.left)));
    let at = Math.min(...percents.filter((p) => !Number.isNaN(p)));
    const now = lanes.querySelector(".now-line");
    const width = track.getBoundingClientRect().width;
    const visible = lanes.clientWidth - track.offsetLeft;
    if (now) {
      const nowAt = parseFloat(now.style.left);
      if ((nowAt - at) / 100 * width > visible * 0.8) at = nowAt - (visible * 0.3 / width) * 100;
    }
    lanes.scrollLeft = Math.max(0, at / 100 * width - 16);
  }

  let kept = null;
  document.addEventListener("htmx:beforeSwap", () => {
    const lanes = document.querySelector(".lanes");
    kept = lanes ? { left: lanes.scrollLeft, top: lanes.scrollTop } : null;
  });
  document.addEventListener("htmx:afterSettle", () => {
    const lanes = document.querySelector(".lanes");
    if (lanes && kept) { lanes.scrollLeft = kept.left; lanes.scrollTop = kept.top; }
  });

  document.addEventListener("DOMContentLoaded", () => {
    scrollLanes();
    const panel = document.querySelector("#panel [data-order]");
    current = panel ? panel.dataset.order : null;
    markCurrent();
    updateBulk();
  });

  // --- the order page's photos: full size in a lightbox ---------------------------------
  // Thumbnails are plain links to the full-size image, so the page works without this.
  let shown = -1;
  const photoLinks = () => [...document.querySelectorAll("[data-gallery] a[data-full]")];

  function lightbox() {
    let box = document.getElementById("lightbox");
    if (box) return box;
    const labels = document.querySelector("[data-gallery]").dataset;
    box = document.createElement("dialog");
    box.id = "lightbox";
    box.className = "lightbox";
    box.setAttribute("aria-label", labels.title || "");
    box.innerHTML = `<figure><img alt=""><figcaption></figcaption></figure>
      <p class="lightbox-nav">
        <button type="button" data-step="-1">← <span></span></button>
        <span class="lightbox-count"></span>
        <button type="button" data-step="1"><span></span> →</button>
        <button type="button" data-close></button></p>`;
    box.querySelector("[data-step='-1'] span").textContent = labels.previous || "";
    box.querySelector("[data-step='1'] span").textContent = labels.next || "";
    box.querySelector("[data-close]").textContent = labels.close || "×";
    box.addEventListener("click", (event) => {
      const step = event.target.closest("[data-step]");
      if (step) showPhoto(shown + Number(step.dataset.step));
      else if (event.target.closest("[data-close]") || event.target === box) box.close();
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "ArrowRight") showPhoto(shown + 1);
      else if (event.key === "ArrowLeft") showPhoto(shown - 1);
      else return;
      event.preventDefault();
      event.stopPropagation();
    });
    document.body.appendChild(box);
    return box;
  }

  function showPhoto(index) {
    const links = photoLinks();
    if (!links.length) return;
    shown = (index + links.length) % links.length;
    const box = lightbox();
    const img = box.querySelector("img");
    img.src = links[shown].href;
    img.alt = links[shown].querySelector("img").alt;
    box.querySelector("figcaption").textContent = links[shown].dataset.caption || "";
    box.querySelector(".lightbox-count").textContent = `${shown + 1} / ${links.length}`;
    if (!box.open) box.showModal();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-gallery] a[data-full]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    showPhoto(photoLinks().indexOf(link));
  });

  // --- shortcuts -------------------------------------------------------------------------
  function showShortcuts() {
    const dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function go(selector) {
    const link = document.querySelector(selector);
    if (link) window.location.href = link.href;
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      const form = event.target.closest && event.target.closest("form#intake-form");
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      if (typing(event.target)) { event.target.blur(); return; }
      clearSelection();
      return;
    }
    if (typing(event.target)) return;
    const list = items();
    const at = list.findIndex((el) => el.dataset.order === current);
    switch (event.key) {
      case "?": showShortcuts(); break;
      case "n": window.location.href = "/intake"; break;
      case "/": {
        const search = document.querySelector("input[type=search]");
        if (search) search.focus(); else window.location.href = "/orders";
        break;
      }
      case "j": case "ArrowDown":
        if (!list.length) return;
        focusItem(list[Math.min(at + 1, list.length - 1)]); break;
      case "k": case "ArrowUp":
        if (!list.length) return;
        focusItem(list[Math.max(at - 1, 0)]); break;
      case "Enter": case "o":
        if (at < 0) return;
        openItem(list[at]); break;
      case "x": case " ": {
        if (at < 0) return;
        const box = list[at].querySelector("input[name=sel]");
        box.checked = !box.checked;
        updateBulk();
        break;
      }
      case "[": go("a[data-key='[']"); break;
      case "]": go("a[data-key=']']"); break;
      case "t": go("a[data-key='t']"); break;
      default: {
        const button = /^[1-9]$/.test(event.key) &&
          document.querySelector(`#panel [data-suggestion='${event.key}']`);
        if (!button) return;
        button.click();
      }
    }
    event.preventDefault();
  });
})();

// The board's refresh says which order is open, so the answer can keep it selected. Added
// here rather than with hx-vals="js:…", which htmx evaluates with eval(): the console's
// Content-Security-Policy forbids that, and the refresh silently stopped.
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.elt && event.detail.elt.id === "board-live") {
    event.detail.parameters.current = window.doorstepCurrent || "";
  }
});

// Mark the page once htmx has wired it: until then, typing in a search box or pressing a
// button that swaps content does nothing. Browser tests wait for this mark, not for time.
if (window.htmx) {
  htmx.onLoad((element) => {
    if (element === document.body) document.documentElement.dataset.htmxReady = "1";
  });
}

// A refused htmx request (422) whose target asks for it shows the refusal in place
// (the knowledge editor's image upload): htmx swaps only 2xx answers by default.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.xhr.status === 422 && target && target.hasAttribute("data-show-refusal")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
