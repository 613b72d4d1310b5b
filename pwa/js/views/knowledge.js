/** Knowledge articles, searchable offline; those for the technician's models first. */
import { useEffect, useRef, useState } from "preact/hooks";
import { openArticle, rateArticle } from "../actions.js";
import {
  articleBlocks, articleFragment, articleImageUrls, htmlImages,
} from "../article-images.js";
import { db } from "../db.js";
import { language, t } from "../i18n.js";
import { articleText, myModels, searchArticles } from "../model.js";
import { StorageFull } from "../outbox.js";
import { html, toast, useLive, useStore } from "../state.js";
import { Empty, Icon } from "./components.js";
import { TopBar } from "./frame.js";

export function KnowledgeScreen({ params }) {
  if (params[0] && params[0] !== "model") {
    // #/knowledge/<article>/job/<order>: opened from a job's suggestions
    return html`<${Article} id=${params[0]} orderId=${params[1] === "job" ? params[2] : null} />`;
  }
  return html`<${ArticleSearch} model=${params[0] === "model" ? params[1] : null} />`;
}

function ArticleSearch({ model }) {
  const { code } = useStore(language);
  const [query, setQuery] = useState(model || "");
  const results = useLive(async () => searchArticles(query,
    { models: await myModels(), language: code }), [query, code]);
  return html`
    <${TopBar} title=${t("knowledge.title")} />
    <main id="main" class="screen" tabindex="-1">
      <div class="search big-search">
        <label for="article-search" class="visually-hidden">${t("knowledge.search")}</label>
        <${Icon} name="search" size=${18} />
        <input id="article-search" type="search" placeholder=${t("knowledge.search")}
          value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} />
      </div>
      ${results && (results.length ? html`<ul class="article-list" data-testid="articles">
        ${results.slice(0, 100).map(({ article, text, forMyJobs }) => html`<li key=${article.id}>
          <a href=${`#/knowledge/${article.id}`}>
            <span class="article-title" lang=${text.language === "zh" ? "zh-Hans" : "en"}>${text.title}</span>
            <span class="muted small">${(article.models || []).join(", ")}
              ${forMyJobs && html` · <span class="chip chip-ok">${t("knowledge.forMyJobs")}</span>`}</span>
          </a></li>`)}</ul>`
        : html`<${Empty} icon="book" title=${t("knowledge.none")} />`)}
    </main>`;
}

/** The article as the console shows it: the server's sanitised HTML (headings, lists,
 * tables, links, emphasis), cleaned once more here, with its images from the phone's own
 * copies (shown offline). */
function ArticleHtml({ bodyHtml }) {
  const box = useRef(null);
  const { code } = useStore(language);
  useEffect(() => {
    let made = {};
    let live = true;
    articleImageUrls(htmlImages(bodyHtml)).then((found) => {
      made = found;
      if (!live) {
        Object.values(found).forEach((url) => URL.revokeObjectURL(url));
        return;
      }
      box.current?.replaceChildren(articleFragment(bodyHtml, found, t("knowledge.imageLater")));
    });
    return () => { live = false; Object.values(made).forEach((url) => URL.revokeObjectURL(url)); };
  }, [bodyHtml, code]);
  return html`<div class="article-body article-html" ref=${box}></div>`;
}

/** Rows pulled before the server sent HTML: the text's paragraphs and its images. */
function ArticleBody({ body }) {
  const blocks = articleBlocks(body);
  const shas = blocks.filter((b) => b.image).map((b) => b.image);
  const [urls, setUrls] = useState({});
  useEffect(() => {
    let made = {};
    let live = true;
    articleImageUrls(shas).then((found) => {
      made = found;
      if (live) setUrls(found);
      else Object.values(found).forEach((url) => URL.revokeObjectURL(url));
    });
    return () => { live = false; Object.values(made).forEach((url) => URL.revokeObjectURL(url)); };
  }, [shas.join(",")]);
  return blocks.map((block, i) => (block.image
    ? html`<figure key=${i} class="article-figure">${urls[block.image]
      ? html`<img class="article-image" src=${urls[block.image]} alt=${block.alt} />`
      : html`<p class="muted small">${t("knowledge.imageLater")}</p>`}
      ${block.alt && html`<figcaption class="muted small">${block.alt}</figcaption>`}</figure>`
    : html`<p key=${i} class="article-body">${withBold(block.text)}</p>`));
}

/** **bold** as bold; every other character as written (the text is never HTML). */
function withBold(text) {
  return text.split(/\*\*(.+?)\*\*/g)
    .map((part, i) => (i % 2 ? html`<strong key=${i}>${part}</strong>` : part));
}

function failed(error) {
  toast(error instanceof StorageFull ? t("storage.full") : String(error), { kind: "error" });
}

/** Each opening of the screen is recorded once (open_article); the answer to "did it help?"
 * refers to that opening and may be changed (the last one counts). */
function Article({ id, orderId }) {
  const { code } = useStore(language);
  const article = useLive(() => db.article.get(id), [id]);
  const [useId, setUseId] = useState(null);
  const [helped, setHelped] = useState(null);
  const found = Boolean(article);
  useEffect(() => {
    if (!found) return;
    setHelped(null);
    openArticle(id, orderId).then(setUseId, failed);
  }, [id, orderId, found]);
  const answer = async (value) => {
    if (!useId) return;
    try {
      await rateArticle(useId, value);
      setHelped(value);
    } catch (error) {
      failed(error);
    }
  };
  const back = orderId ? `#/job/${orderId}` : "#/knowledge";
  if (article === undefined) return html`<${TopBar} title="…" back=${back} />`;
  const text = article ? articleText(article, code) : null;
  return html`
    <${TopBar} title=${t("knowledge.article")} back=${back} />
    <main id="main" class="screen" tabindex="-1">
      ${article ? html`<article class="card article" lang=${text.language === "zh" ? "zh-Hans" : "en"}>
        <h2 class="article-heading">${text.title}</h2>
        <p class="muted small">${(article.models || []).join(", ")}</p>
        ${text.html ? html`<${ArticleHtml} bodyHtml=${text.html} />`
          : html`<${ArticleBody} body=${text.body} />`}
        ${(article.tags || []).length > 0 && html`<p class="row-wrap">
          ${article.tags.map((tag) => html`<span class="chip" key=${tag}>${tag}</span>`)}</p>`}
      </article>
      <section class="card" aria-labelledby="article-helped" data-testid="article-helped">
        <h2 id="article-helped" class="card-title">${t("knowledge.didItHelp")}</h2>
        <div class="row-wrap">
          <button type="button" class=${helped === true ? "button primary" : "button"}
            aria-pressed=${helped === true} disabled=${!useId}
            onClick=${() => answer(true)}>${t("knowledge.helped")}</button>
          <button type="button" class=${helped === false ? "button primary" : "button"}
            aria-pressed=${helped === false} disabled=${!useId}
            onClick=${() => answer(false)}>${t("knowledge.notHelped")}</button>
        </div>
        <p class="muted small" aria-live="polite">${helped !== null ? t("knowledge.thanks") : ""}</p>
      </section>` : html`<${Empty} icon="book" title=${t("knowledge.none")} />`}
    </main>`;
}
