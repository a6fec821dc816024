// The audit page: paste Set-Cookie lines and the URL they came from; see the findings, and for
// the lessons' four requests (and any added) whether each cookie is sent and why. It runs the
// pure audit modules in the browser: nothing leaves the page.
import {
  auditResponse,
  explainSending,
  type Finding,
  type HeaderPair,
  lessonRequests,
  type SendingRequest,
  sortFindings,
} from "sessionjar/audit";

const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/;

function element<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className !== undefined) e.className = className;
  return e;
}

/** Header lines as pairs: "Name: value" is a header, anything else a Set-Cookie value. */
function pastedHeaders(text: string): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || /^HTTP\//i.test(line)) continue;
    const m = HEADER_LINE.exec(line);
    // "sid=1; Path=/" has no header name before an "=": it is a Set-Cookie value.
    if (m !== null && !(m[1] as string).includes("=")) out.push([m[1] as string, m[2] as string]);
    else out.push(["set-cookie", line]);
  }
  return out;
}

const added: SendingRequest[] = [];

function renderFindings(findings: readonly Finding[]): void {
  const box = element("findings");
  box.replaceChildren();
  const summary = make(
    "p",
    findings.length === 0
      ? "No findings."
      : `${findings.length} finding${findings.length === 1 ? "" : "s"}`,
  );
  summary.id = "summary";
  box.append(summary);
  for (const f of findings) {
    const item = make("article", undefined, `finding ${f.severity}`);
    item.dataset.rule = f.id;
    const head = make("h3");
    head.append(
      make("span", f.severity, "severity"),
      " ",
      make("code", f.id),
      f.cookie === undefined ? "" : ` — ${f.cookie}`,
    );
    item.append(head, make("p", f.evidence, "evidence"), make("p", f.why, "why"));
    const fix = make("p", undefined, "fix");
    fix.append("Fix: ", make("code", f.fix));
    item.append(fix);
    box.append(item);
  }
  const corrected = [
    ...new Set(findings.flatMap((f) => (f.corrected === undefined ? [] : [f.corrected]))),
  ];
  if (corrected.length > 0) {
    box.append(make("h3", "Every fix applied"));
    const pre = make("pre", corrected.join("\n"));
    pre.id = "corrected";
    box.append(pre);
  }
}

function renderSending(lines: readonly string[], url: string): void {
  const box = element("sending");
  box.replaceChildren();
  const requests = [...lessonRequests(url), ...added];
  for (const line of lines) {
    const result = explainSending(line, url, requests);
    const section = make("section", undefined, "cookie");
    section.dataset.cookie = result.name;
    section.append(
      make("h3", result.name === "" ? "(a line the browser ignores)" : result.name),
      make("p", result.storage, result.stored ? "stored" : "refused"),
    );
    if (result.requests.length > 0) {
      const table = make("table");
      const header = make("tr");
      for (const h of ["request", "sent", "why"]) header.append(make("th", h));
      table.append(header);
      for (const d of result.requests) {
        const row = make("tr", undefined, d.sent ? "sent" : "not-sent");
        const what = `${d.request.label}: ${d.request.method ?? "GET"} ${d.request.url}${d.request.initiator === undefined ? "" : ` from ${d.request.initiator}`}`;
        row.append(
          make("td", what),
          make("td", d.sent ? "sent" : "not sent"),
          make("td", d.reasons.join("; ")),
        );
        table.append(row);
      }
      section.append(table);
    }
    box.append(section);
  }
}

function run(): void {
  const error = element("error");
  error.textContent = "";
  const url = element<HTMLInputElement>("url").value.trim();
  const headers = pastedHeaders(element<HTMLTextAreaElement>("lines").value);
  const names = element<HTMLInputElement>("session")
    .value.split(/[\s,]+/)
    .filter((n) => n !== "");
  let findings: Finding[];
  try {
    findings = auditResponse(
      { url, status: 200, headers },
      names.length > 0 ? { sessionCookies: names } : {},
    );
  } catch (e) {
    error.textContent = (e as Error).message;
    element("findings").replaceChildren();
    element("sending").replaceChildren();
    return;
  }
  renderFindings(sortFindings(findings));
  renderSending(
    headers.filter(([n]) => n.toLowerCase() === "set-cookie").map(([, v]) => v),
    url,
  );
}

element("audit").addEventListener("click", run);
element("add").addEventListener("click", () => {
  const url = element<HTMLInputElement>("req-url").value.trim();
  if (url === "") return;
  const initiator = element<HTMLInputElement>("req-initiator").value.trim();
  added.push({
    label: "added",
    url,
    method: element<HTMLSelectElement>("req-method").value,
    ...(initiator === "" ? {} : { initiator }),
    navigation: element<HTMLInputElement>("req-nav").checked,
  });
  run();
});
run();
