// Both languages hold the same messages, and every message the code asks for exists.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { MESSAGES } from "../js/messages.js";

const JS = new URL("../js/", import.meta.url);

function sources(dir = JS) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory()
    ? sources(new URL(`${entry.name}/`, dir))
    : entry.name.endsWith(".js") ? [readFileSync(new URL(entry.name, dir), "utf8")] : []));
}

test("English and Chinese have the same keys and the same placeholders", () => {
  const en = Object.keys(MESSAGES.en).sort();
  assert.deepEqual(Object.keys(MESSAGES.zh).sort(), en);
  const holes = (value) => [...JSON.stringify(value).matchAll(/\{(\w+)\}/g)].map((x) => x[1])
    .sort().filter((x, i, all) => all.indexOf(x) === i);
  for (const key of en) assert.deepEqual(holes(MESSAGES.zh[key]), holes(MESSAGES.en[key]), key);
});

test("every literal key used in the code is in the catalogue", () => {
  const used = new Set();
  for (const text of sources()) {
    for (const match of text.matchAll(/\bt(?:r|Or|In)?\((?:[a-z]+, )?"([a-z][\w.]+)"/g)) {
      used.add(match[1]);
    }
  }
  assert.ok(used.size > 100, used.size);
  const missing = [...used].filter((key) => !(key in MESSAGES.en));
  assert.deepEqual(missing, []);
});

test("every member of the families the code builds keys from is there", () => {
  const families = {
    status: ["new", "scheduled", "en_route", "on_site", "awaiting_parts", "awaiting_customer",
      "completed", "signed", "closed", "cancelled", "reopened"],
    rootCause: ["wear_and_tear", "installation_fault", "manufacturing_defect", "misuse",
      "power_supply", "water_supply", "blockage", "refrigerant_leak", "control_board",
      "no_fault_found", "other"],
    type: ["repair", "install", "maintenance", "inspection", "return_exchange"],
    priority: ["emergency", "high", "normal", "low"],
    sla: ["green", "yellow", "red"],
    warranty: ["in_warranty", "out_of_warranty", "unknown"],
    step: ["en_route", "on_site", "completed", "awaiting_parts", "awaiting_customer",
      "scheduled", "resume", "travelAgain"],
    "step.done": ["en_route", "on_site", "completed", "awaiting_parts", "awaiting_customer",
      "scheduled", "resume", "travelAgain"],
    field: ["arrival_notes", "diagnosis", "resolution", "root_cause"],
    mutation: ["transition", "set_fields", "add_note", "use_part", "return_part",
      "attach_photo", "log_time", "capture_signature", "submit_survey"],
    upload: ["pending", "uploading", "uploaded", "failed", "refused", "elsewhere"],
    "job.tab": ["overview", "work", "parts", "photos", "sign"],
    "jobs.empty": ["today", "upcoming", "done"],
    "sync.phase": ["push", "pull", "upload"],
    auth: ["token_expired", "device_revoked", "token_unknown", "account_disabled"],
    login: ["bad_credentials", "other_user_pending"],
    photos: ["before", "after"],
  };
  for (const [family, members] of Object.entries(families)) {
    for (const member of members) {
      assert.ok(`${family}.${member}` in MESSAGES.en, `${family}.${member}`);
    }
  }
});

test("the root-cause picklist matches the server's", () => {
  const server = readFileSync(new URL("../../server/workorders/service.py", import.meta.url),
    "utf8");
  const block = server.match(/ROOT_CAUSES = \(([\s\S]*?)\)/)[1];
  const codes = [...block.matchAll(/"(\w+)"/g)].map((x) => x[1]);
  const work = readFileSync(new URL("../js/views/job-work.js", import.meta.url), "utf8");
  const ours = [...work.match(/ROOT_CAUSES = \[([\s\S]*?)\]/)[1].matchAll(/"(\w+)"/g)]
    .map((x) => x[1]);
  assert.deepEqual(ours, codes);
});
