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
