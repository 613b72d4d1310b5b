/** Knowledge articles, searchable offline; those for the technician's models first. */
import { useState } from "preact/hooks";
import { db } from "../db.js";
import { language, t } from "../i18n.js";
import { myModels, searchArticles } from "../model.js";
import { html, useLive, useStore } from "../state.js";
import { Empty, Icon } from "./components.js";
import { TopBar } from "./frame.js";

export function KnowledgeScreen({ params }) {
  if (params[0] && params[0] !== "model") return html`<${Article} id=${params[0]} />`;
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
        ${results.slice(0, 100).map(({ article, forMyJobs }) => html`<li key=${article.id}>
          <a href=${`#/knowledge/${article.id}`}>
            <span class="article-title">${article.title}</span>
            <span class="muted small">${(article.models || []).join(", ")}
              ${forMyJobs && html` · <span class="chip chip-ok">${t("knowledge.forMyJobs")}</span>`}</span>
          </a></li>`)}</ul>`
        : html`<${Empty} icon="book" title=${t("knowledge.none")} />`)}
    </main>`;
}

function Article({ id }) {
  const article = useLive(() => db.article.get(id), [id]);
  if (article === undefined) return html`<${TopBar} title="…" back="#/knowledge" />`;
  return html`
    <${TopBar} title=${t("knowledge.article")} back="#/knowledge" />
    <main id="main" class="screen" tabindex="-1">
      ${article ? html`<article class="card article" lang=${article.language === "zh" ? "zh-Hans" : "en"}>
        <h2 class="article-heading">${article.title}</h2>
        <p class="muted small">${(article.models || []).join(", ")}</p>
        ${article.body.split(/\n{2,}/).map((para, i) => html`<p key=${i} class="article-body">${para}</p>`)}
        ${(article.tags || []).length > 0 && html`<p class="row-wrap">
          ${article.tags.map((tag) => html`<span class="chip" key=${tag}>${tag}</span>`)}</p>`}
      </article>` : html`<${Empty} icon="book" title=${t("knowledge.none")} />`}
    </main>`;
}
