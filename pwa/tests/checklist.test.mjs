// The phone's checklist rules against the server's (server/checklists/service.py), and the
// signed content's checklist built from answer rows, checked against the shared vector.
// Run: node --test pwa/tests/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  currentAnswers, missingItems, outOfLimits, plainDecimal, signedChecklist, templatesFor,
} from "../js/checklist.js";
import { canonicalJson, contentHash } from "../js/signed-content.js";

const VECTORS = new URL("../../tests/vectors/signed_content.json", import.meta.url);

const GAS = "0b6a1c2e-5d4f-4a3b-9c8d-7e6f5a4b3c2d";
const INSTALL = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
const gas = {
  id: GAS, name_en: "Gas appliance safety", active: true, version: 2, blocks_completion: true,
  job_types: ["repair"], category: "water_heater", models: ["JSQ31-C05"],
  items: [
    { key: "leak_test", kind: "tick", required: true },
    { key: "inlet_pressure", kind: "number", required: true, min: 17, max: 25, unit: "mbar" },
    { key: "flue", kind: "tick", required: true },
    { key: "co", kind: "number", required: false },
  ],
};
const row = (id, template, key, value, time, version = 2) => ({
  id, template_id: template, template_version: version, item_key: key, value,
  device_time: `2026-11-30T0${time}:00:00+00:00` });

test("numbers are written as the server stores them", () => {
  assert.equal(plainDecimal("007.50"), "7.5");
  assert.equal(plainDecimal("-0.0"), "0");
  assert.equal(plainDecimal("1,25"), "1.25");
  assert.equal(plainDecimal("-3.100"), "-3.1");
  assert.equal(plainDecimal("1e3"), null);
  assert.equal(plainDecimal(""), null);
  assert.ok(outOfLimits(gas.items[1], "31.5") && !outOfLimits(gas.items[1], "20"));
});

test("a template applies by job type, category and model", () => {
  const order = { type: "repair" };
  assert.deepEqual(templatesFor(order, { category: "water_heater", model: "JSQ31-C05" }, [gas]), [gas]);
  assert.deepEqual(templatesFor(order, { category: "water_heater", model: "E60" }, [gas]), []);
  assert.deepEqual(templatesFor({ type: "install" }, { category: "water_heater",
    model: "JSQ31-C05" }, [gas]), []);
  assert.deepEqual(templatesFor(order, null, [gas]), []);
});

test("missing: required items without an answer, or a tick answered no", () => {
  const answers = [row("a1", GAS, "leak_test", "no", 1), row("a2", GAS, "leak_test", "yes", 2),
    row("a3", GAS, "flue", "no", 3)];
  assert.deepEqual(missingItems([gas], answers).map(({ item }) => item.key),
    ["inlet_pressure", "flue"]);
  // Latest device time wins; at the same time the larger id.
  const same = [row("b", GAS, "flue", "yes", 4), row("a", GAS, "flue", "no", 4)];
  assert.equal(currentAnswers(same)[`${GAS}|flue`].value, "yes");
});

test("the signed checklist built from rows reproduces the shared vector", async () => {
  const vector = JSON.parse(readFileSync(VECTORS, "utf8"))
    .find((v) => v.content.checklist);
  const rows = [
    row("c1", GAS, "leak_test", "no", 1), row("c2", GAS, "leak_test", "yes", 2),
    row("c3", GAS, "inlet_pressure", "31.5", 1), row("c4", GAS, "flue", "yes", 1),
    row("c5", INSTALL, "remarks", "已培训用户：燃气阀位置\n\"关\"", 1, 1),
  ];
  const content = { ...vector.content, checklist: signedChecklist(rows) };
  assert.equal(canonicalJson(content), vector.canonical);
  assert.equal(await contentHash(content), vector.sha256);
});
