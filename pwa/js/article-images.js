/**
 * The knowledge base's images on the phone: after a pull, every image a published article
 * shows (its `images`, sha256 each) that is not here yet is fetched from
 * /api/v1/articles/images/<sha256> and kept in IndexedDB (db.article_images), so an
 * article opened offline shows them. A failure leaves the image for the next sync; it never
 * fails the sync itself.
 */
import { db } from "./db.js";

const IMAGE = /!\[([^\]]*)\]\(kb:([0-9a-f]{64})\)/g;

/** Fetch the images articles need and the phone does not have. Returns how many arrived. */
export async function fetchArticleImages(token) {
  const wanted = new Set();
  for (const article of await db.article.toArray()) {
    if (article.published === false) continue;
    for (const sha of article.images || []) wanted.add(sha);
  }
  const have = new Set(await db.article_images.toCollection().primaryKeys());
  // A copy no published article names any more (the image was taken out, or pruned on the
  // server) is dropped.
  const stale = [...have].filter((sha) => !wanted.has(sha));
  if (stale.length) await db.article_images.bulkDelete(stale);
  let arrived = 0;
  for (const sha of wanted) {
    if (have.has(sha)) continue;
    try {
      const response = await fetch(`/api/v1/articles/images/${sha}`, {
        headers: { Authorization: `Bearer ${token}` }, credentials: "omit", cache: "no-store" });
      if (!response.ok) continue;
      const blob = await response.blob();
      await db.article_images.put({ sha256: sha, blob, fetched_at: new Date().toISOString() });
      arrived += 1;
    } catch (error) {
      console.warn("article image not fetched; trying again next sync", sha, error);
    }
  }
  return arrived;
}

/**
 * An article's text as blocks for the screen: paragraphs (split on blank lines) and the
 * images between them ({ image: sha256, alt }).
 */
export function articleBlocks(body) {
  const blocks = [];
  for (const para of (body || "").split(/\n{2,}/)) {
    let last = 0;
    for (const match of para.matchAll(IMAGE)) {
      const text = para.slice(last, match.index).trim();
      if (text) blocks.push({ text });
      blocks.push({ image: match[2], alt: match[1] });
      last = match.index + match[0].length;
    }
    const rest = para.slice(last).trim();
    if (rest) blocks.push({ text: rest });
  }
  return blocks;
}

/** Object URLs for the images held here, by sha256 (the caller revokes them). */
export async function articleImageUrls(shas) {
  const rows = await db.article_images.bulkGet([...new Set(shas)]);
  return Object.fromEntries(rows.filter(Boolean)
    .map((row) => [row.sha256, URL.createObjectURL(row.blob)]));
}

// What an article's HTML may hold on the phone. The server already made it from Markdown
// with raw HTML off (server.knowledge.service.render_for_phone); this list is the second
// lock: any other element is dropped with its content (script, style, iframe, svg…) or
// unwrapped, any other attribute removed, and a link goes only to http(s), mailto, tel or
// a place in the page.
const KEEP = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "TABLE",
  "THEAD", "TBODY", "TR", "TH", "TD", "STRONG", "EM", "B", "I", "CODE", "PRE", "BLOCKQUOTE",
  "A", "IMG", "BR", "HR", "S", "DEL"]);
const DROP = new Set(["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "TEMPLATE", "SVG",
  "MATH", "FORM", "INPUT", "BUTTON", "TEXTAREA", "SELECT", "LINK", "META", "BASE", "NOSCRIPT"]);
const ATTRIBUTES = { A: ["href", "title"], IMG: ["alt", "title", "data-kb"], OL: ["start"] };
const SAFE_LINK = /^(https?:|mailto:|tel:|#)/i;

function clean(node) {
  for (const child of [...node.children]) {
    const tag = child.tagName.toUpperCase();
    if (DROP.has(tag)) {
      child.remove();
      continue;
    }
    clean(child);
    if (!KEEP.has(tag)) {
      child.replaceWith(...child.childNodes);
      continue;
    }
    const allowed = ATTRIBUTES[tag] || [];
    for (const { name } of [...child.attributes]) {
      if (!allowed.includes(name.toLowerCase())) child.removeAttribute(name);
    }
    if (tag === "A") {
      const href = (child.getAttribute("href") || "").trim();
      if (!SAFE_LINK.test(href)) child.removeAttribute("href");
      else if (/^https?:/i.test(href)) {
        child.setAttribute("target", "_blank");
        child.setAttribute("rel", "noopener noreferrer");
      }
    }
  }
}

/**
 * An article's sanitised HTML (from the pull) as a document fragment for the screen, with
 * every `kb:` image showing the phone's own copy (`urls`, by sha256) or, while the copy
 * has not arrived, the words `later`. Parsed in an inert <template>: nothing in it loads
 * or runs before it is cleaned.
 */
export function articleFragment(bodyHtml, urls = {}, later = "") {
  const template = document.createElement("template");
  template.innerHTML = bodyHtml || "";
  const fragment = template.content;
  clean(fragment);
  for (const img of fragment.querySelectorAll("img")) {
    const sha = img.getAttribute("data-kb");
    if (sha && urls[sha]) {
      img.src = urls[sha];
      img.className = "article-image";
    } else {
      const note = document.createElement("span");
      note.className = "muted small article-image-later";
      note.textContent = later;
      img.replaceWith(note);
    }
  }
  return fragment;
}

/** The sha256 of every kb: image in an article's HTML. */
export function htmlImages(bodyHtml) {
  return [...(bodyHtml || "").matchAll(/data-kb="([0-9a-f]{64})"/g)].map((m) => m[1]);
}
