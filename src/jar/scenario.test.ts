import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseScenarios, replayScenario, ScenarioError } from "./scenario.js";

const GET = { op: "get", url: "https://www.shop.test/" };

function scenario(extra: Record<string, unknown>, steps: unknown[] = [GET]): string {
  return JSON.stringify({ format: "jar-scenario/1", name: "typo", ...extra, steps });
}

function refusal(text: string): ScenarioError {
  try {
    parseScenarios(text, "typo.json");
  } catch (error) {
    assert.ok(error instanceof ScenarioError);
    assert.equal(error.code, "ERR_JAR_SCENARIO_INVALID");
    return error;
  }
  assert.fail(`accepted: ${text}`);
}

describe("parseScenarios refuses fields the format does not have", () => {
  test("a misspelled expect is refused, not replayed as an unjudged step", () => {
    const e = refusal(scenario({}, [{ ...GET, expcet: "a=1" }]));
    assert.equal(e.step, 1);
    assert.match(
      e.message,
      /^typo\.json, scenario 1 \("typo"\), step 1: a get step has no field "expcet" \(did you mean "expect"\?\)/,
    );
  });

  test("misspelled context fields are refused, not replayed as a same-site GET", () => {
    const initiator = refusal(
      scenario({}, [{ ...GET, context: { initator: "https://evil.example", method: "POST" } }]),
    );
    assert.match(
      initiator.message,
      /the context has no field "initator" \(did you mean "initiator"\?\)/,
    );
    const method = refusal(
      scenario({}, [{ ...GET, context: { initiator: "https://evil.example", metod: "POST" } }]),
    );
    assert.match(method.message, /no field "metod" \(did you mean "method"\?\)/);
  });

  test("a misspelled profile is refused, not replaced by the default", () => {
    const e = refusal(scenario({ profle: "chromium" }));
    assert.equal(e.step, undefined);
    assert.match(
      e.message,
      /scenario 1 \("typo"\): a scenario has no field "profle" \(did you mean "profile"\?\)/,
    );
  });

  test("a field in the wrong place says where it goes", () => {
    assert.match(
      refusal(scenario({}, [{ ...GET, method: "POST" }])).message,
      /a get step has no field "method": it belongs in the context/,
    );
    assert.match(
      refusal(scenario({}, [{ op: "set", url: GET.url, header: "a=1", expect: "a=1" }])).message,
      /a set step has no field "expect": it belongs in a get step/,
    );
    assert.match(
      refusal(scenario({}, [{ ...GET, context: { expect: "" } }])).message,
      /the context has no field "expect": it belongs in the step/,
    );
    assert.match(refusal(scenario({}, [{ Op: "get", url: GET.url }])).message, /did you mean "op"/);
  });

  test("a field nothing resembles is named with the fields there are; note is one", () => {
    // The conformance files carry "note" beside the spec's fields: it stays accepted.
    assert.equal(parseScenarios(scenario({ note: "why" }))[0]?.note, "why");
    assert.match(
      refusal(scenario({ author: "me" })).message,
      /no field "author"; its fields are "format", "name", "profile", "now", "steps", "note"$/,
    );
  });
});

test("a UTF-8 byte-order mark before the JSON is skipped", () => {
  const [s] = parseScenarios(`\uFEFF${scenario({}, [{ ...GET, expect: "" }])}`);
  assert.equal(s === undefined ? undefined : replayScenario(s).passed, 1);
});
