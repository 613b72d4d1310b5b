/**
 * English and Simplified Chinese: looking messages up (catalogue in messages.js), the
 * language switch, and Intl formatting for dates, times, distances and money.
 *
 * Times are written in the company's time zone (the pull's `company.timezone`, kept in
 * meta "company"), whatever zone the phone is set to: an appointment at 09:00 in Shanghai
 * reads 09:00 on a phone that travelled to London. Until the first pull: the phone's zone.
 *
 * t("pill.pending", {n: 2}) looks the key up in the current language (English as the fallback);
 * "{name}" placeholders are filled from the params; a key whose value is an object picks
 * the plural form for params.n ({one, other}).
 */
import { getMeta, setMeta } from "./db.js";
import { MESSAGES } from "./messages.js";
import { createStore } from "./state.js";

export { MESSAGES };

export const LANGUAGES = ["en", "zh"];
const LOCALES = { en: "en-GB", zh: "zh-CN" };
const HTML_LANG = { en: "en", zh: "zh-Hans" };

export const language = createStore({ code: "en" });
let current = "en";
let zone; // the company's IANA time zone; undefined: the phone's own

function apply(code) {
  current = LANGUAGES.includes(code) ? code : "en";
  document.documentElement.lang = HTML_LANG[current];
  language.set({ code: current, zone });
}

/** Write times in `name` (an IANA zone); an unknown name is ignored. */
export function setTimeZone(name) {
  if (!name || name === zone) return;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name }); // eslint-disable-line no-new
  } catch (error) {
    console.warn(`unknown time zone ${name}`, error);
    return;
  }
  zone = name;
  formatters.clear();
  language.set({ code: current, zone });
}

/** The zone times are written in (undefined: the phone's). */
export function timeZone() {
  return zone;
}

/** Pick the language at start-up: the technician's choice, their account's, the phone's;
 * and the company's time zone as last pulled. */
export async function initLanguage(session) {
  const company = await getMeta("company", null);
  if (company && company.timezone) setTimeZone(company.timezone);
  const saved = await getMeta("language", null);
  if (saved && saved.chosen) return apply(saved.code);
  const account = session && session.user && session.user.locale;
  if (LANGUAGES.includes(account)) return apply(account);
  return apply((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");
}

/** After sign-in: use the account's language unless the technician picked one here. */
export async function adoptAccountLanguage(code) {
  const saved = await getMeta("language", null);
  if ((saved && saved.chosen) || !LANGUAGES.includes(code)) return;
  await setLanguage(code, { chosen: false });
}

/** Switch language; `chosen` marks it as the technician's own choice (kept over the account's). */
export async function setLanguage(code, { chosen = true } = {}) {
  apply(code);
  await setMeta("language", { code: current, chosen });
}

// Intl objects are slow to make and fast to use: one per locale and options (keyed by the
// options object itself, so pass the constants below rather than fresh literals).
const formatters = new Map();
function intl(kind, code, options) {
  let byOptions = formatters.get(`${kind}|${code}`);
  if (!byOptions) formatters.set(`${kind}|${code}`, (byOptions = new Map()));
  let made = byOptions.get(options);
  if (!made) {
    made = new Intl[kind](LOCALES[code], kind === "DateTimeFormat" && zone
      ? { ...options, timeZone: zone } : options);
    byOptions.set(options, made);
  }
  return made;
}

const NO_OPTIONS = {};
const CLOCK = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
const DAY = { weekday: "short", day: "numeric", month: "short" };
const DATE = { dateStyle: "medium", hourCycle: "h23" };
const DATE_TIME = { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" };
const RELATIVE = { numeric: "auto" };
const DAY_KEY = { year: "numeric", month: "2-digit", day: "2-digit" };
const KM = [{ style: "unit", unit: "kilometer", maximumFractionDigits: 1 },
  { style: "unit", unit: "kilometer", maximumFractionDigits: 0 }];
const money = new Map();

function lookup(code, key) {
  const own = MESSAGES[code] && MESSAGES[code][key];
  return own !== undefined ? own : MESSAGES.en[key];
}

function fill(template, params, code) {
  let text = template;
  if (text && typeof text === "object") {
    const form = params.n !== undefined ? intl("PluralRules", code, NO_OPTIONS).select(params.n)
      : "other";
    text = text[form] || text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] !== undefined
    ? String(params[name]) : whole));
}

/** The message `key` in the current language; `fallback` when there is none. */
export function t(key, params = {}, fallback = undefined) {
  return tIn(current, key, params, fallback);
}

/** The message `key` in language `code` (the report preview has its own language). */
export function tIn(code, key, params = {}, fallback = undefined) {
  const template = lookup(code, key);
  if (template === undefined) return fallback !== undefined ? fallback : key;
  return fill(template, params, code);
}

export function tOr(key, fallback) {
  return t(key, {}, fallback);
}

/** "en" or "zh": the language the app speaks now. */
export function currentLanguage() {
  return current;
}

export function locale(code = current) {
  return LOCALES[code];
}

export function fmtMoney(cents, currency, code = current) {
  const unit = currency || "CNY";
  if (!money.has(unit)) money.set(unit, { style: "currency", currency: unit });
  return intl("NumberFormat", code, money.get(unit)).format((cents || 0) / 100);
}

export function fmtDateTime(iso, { dateOnly = false } = {}) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return intl("DateTimeFormat", current, dateOnly ? DATE : DATE_TIME).format(date);
}

export function fmtClock(iso) {
  if (!iso) return "";
  return intl("DateTimeFormat", current, CLOCK).format(new Date(iso));
}

/** An appointment window: "14:00–16:00" today, "Tue 3 Jun, 14:00–16:00" otherwise. */
export function fmtWindow(start, end, { long = false } = {}) {
  if (!start) return "—";
  const from = new Date(start);
  const sameDay = dayKey(from) === dayKey(new Date());
  const day = intl("DateTimeFormat", current, DAY).format(from);
  const span = end ? `${fmtClock(start)}–${fmtClock(end)}` : fmtClock(start);
  return sameDay && !long ? span : `${day} ${span}`;
}

/** The calendar day of a Date in the company's zone, as a comparable key. */
export function dayKey(date) {
  return intl("DateTimeFormat", "en", DAY_KEY).format(date);
}

export function fmtRelative(iso) {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = intl("RelativeTimeFormat", current, RELATIVE);
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86400), "day");
}

export function fmtDistance(km) {
  return intl("NumberFormat", current, KM[km < 10 ? 0 : 1]).format(km);
}

/** A part's name in the current language. */
export function partName(part) {
  if (!part) return "";
  return (current === "zh" ? part.name_zh : part.name_en) || part.name_en || part.sku || "";
}
