import type { CorsDecision, CorsPolicy } from "../cors/policy.js";
import type { CsrfEvent } from "../csrf/create-csrf.js";
import type { SessionEvent } from "../session/events.js";
import { siteOf } from "../site/origin.js";
import { type Counter, createCounter, type Labels, METRIC_NAME } from "./counter.js";
import { MetricsError } from "./errors.js";
import { EXPOSITION_CONTENT_TYPE, exposition } from "./exposition.js";

/** Anything that delivers events the way `createSessions(…).on` and `createCsrf(…).on` do. */
export interface EventSource<E> {
  on(type: "*", listener: (event: E) => void): () => void;
}

/** Options of every `observe…` and `instrument…` call. */
export interface ObserveOptions {
  /**
   * Constant labels put on every series this source counts, e.g. `{ app: "www" }` to tell two
   * session managers apart. Every call for one kind of source must use the same label names.
   */
  labels?: Labels;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Prepended to every metric name. Default `sessionjar_`. */
  prefix?: string;
  /** The most series one counter keeps (default 1000); see {@link CounterOptions.maxSeries}. */
  maxSeries?: number;
}

/** The registry that {@link createMetrics} returns. */
export interface Metrics {
  /**
   * A counter of your own, in the same exposition (its name gets the prefix). Asking twice for
   * one name with the same labels gives the same counter.
   */
  counter(options: { name: string; help: string; labelNames?: readonly string[] }): Counter;
  /**
   * Counts a session manager's events: sessions created, rotated, revoked and expired (by
   * reason), suspicious requests (by reason) and store errors (by operation and code). Returns a
   * function that stops counting.
   */
  observeSessions(sessions: EventSource<SessionEvent>, options?: ObserveOptions): () => void;
  /**
   * Counts a CSRF defence's events: refusals by reason, and cross-site unsafe requests by the
   * schemeful site of their origin and whether they were let through.
   */
  observeCsrf(csrf: EventSource<CsrfEvent>, options?: ObserveOptions): () => void;
  /**
   * The same policy, counting its decisions on requests that carry an `Origin`: grants and
   * refusals by kind (`preflight`, `actual`) and the origin's schemeful site.
   */
  instrumentCors(policy: CorsPolicy, options?: ObserveOptions): CorsPolicy;
  /** Every counter in Prometheus's text exposition format. */
  render(): string;
  /** The `Content-Type` to answer a scrape with. */
  readonly contentType: string;
}

/**
 * A registry of counters fed by sessionjar's events, written in Prometheus's text format. Pure:
 * no `node:` imports, no timers; the counting happens inside the event listeners.
 *
 * ```ts
 * const metrics = createMetrics();
 * metrics.observeSessions(sessions);
 * metrics.observeCsrf(csrf);
 * const cors = metrics.instrumentCors(createCorsPolicy({ origins: [WWW], credentials: true }));
 * // GET /metrics → res.writeHead(200, { "content-type": metrics.contentType }).end(metrics.render())
 * ```
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? "sessionjar_";
  // Checked now, not at the first counter: a bad option fails where it is written.
  if (typeof prefix !== "string" || (prefix !== "" && !METRIC_NAME.test(prefix)))
    throw new MetricsError(
      "ERR_METRICS_OPTIONS_INVALID",
      `prefix ${JSON.stringify(prefix)} cannot start a Prometheus name: use letters, digits, _ and :, not starting with a digit`,
    );
  const max = options.maxSeries;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1))
    throw new MetricsError(
      "ERR_METRICS_OPTIONS_INVALID",
      `maxSeries must be a whole number of at least 1, not ${JSON.stringify(max) ?? String(max)}`,
    );
  const counters = new Map<string, Counter>();

  const counter = (o: { name: string; help: string; labelNames?: readonly string[] }): Counter => {
    const name = `${prefix}${o.name}`;
    const labelNames = o.labelNames ?? [];
    const existing = counters.get(name);
    if (existing !== undefined) {
      // The same names in another order are the same labels (every increment names them).
      if ([...existing.labelNames].sort().join() !== [...labelNames].sort().join())
        throw new MetricsError(
          "ERR_METRICS_LABELS_INVALID",
          `${name} was declared with the labels [${existing.labelNames.join(", ")}], not [${labelNames.join(", ")}]: observe every source of one kind with the same label names`,
        );
      return existing;
    }
    const made = createCounter({
      name,
      help: o.help,
      labelNames,
      ...(options.maxSeries === undefined ? {} : { maxSeries: options.maxSeries }),
    });
    counters.set(name, made);
    return made;
  };

  // Counters of one source: its constant labels first, then the event's own.
  const family = (constant: Labels, name: string, help: string, own: readonly string[] = []) => {
    // Sorted, so that { app, env } and { env, app } make one label set, not a refusal.
    const c = counter({ name, help, labelNames: [...Object.keys(constant).sort(), ...own] });
    return (labels: Labels = {}): void => c.inc({ ...constant, ...labels });
  };

  return {
    counter,
    observeSessions(sessions, o = {}) {
      const k = o.labels ?? {};
      const created = family(
        k,
        "sessions_created_total",
        "Sessions created (sign-ins and anonymous sessions).",
      );
      const rotated = family(k, "sessions_rotated_total", "Session tokens rotated, by reason.", [
        "reason",
      ]);
      const revoked = family(k, "sessions_revoked_total", "Sessions revoked, by reason.", [
        "reason",
      ]);
      const expired = family(
        k,
        "sessions_expired_total",
        "Sessions found expired, by timeout (idle or absolute).",
        ["reason"],
      );
      const suspicious = family(
        k,
        "sessions_suspicious_total",
        "Requests with a suspicious session cookie, by reason.",
        ["reason"],
      );
      const storeErrors = family(
        k,
        "session_store_errors_total",
        "Session store failures, by operation and code.",
        ["operation", "code"],
      );
      return sessions.on("*", (e) => {
        switch (e.type) {
          case "created":
            return created();
          case "rotated":
            return rotated({ reason: e.reason });
          case "revoked":
            return revoked({ reason: e.reason });
          case "expired":
            return expired({ reason: e.reason });
          case "suspicious":
            return suspicious({ reason: e.reason });
          case "store-error":
            return storeErrors({ operation: e.operation, code: e.code });
        }
      });
    },
    observeCsrf(csrf, o = {}) {
      const k = o.labels ?? {};
      const rejected = family(
        k,
        "csrf_rejections_total",
        "Unsafe requests refused by the CSRF defence, by reason (report_only: counted, not refused).",
        ["reason", "report_only"],
      );
      const crossSite = family(
        k,
        "cross_site_unsafe_requests_total",
        "Unsafe requests from another site, by the schemeful site of their origin.",
        ["site", "allowed"],
      );
      return csrf.on("*", (e) => {
        if (e.type === "csrf-rejected")
          rejected({ reason: e.reason, report_only: String(e.reportOnly) });
        else crossSite({ site: e.site ?? "unknown", allowed: String(e.allowed) });
      });
    },
    instrumentCors(policy, o = {}) {
      const k = o.labels ?? {};
      const decisions = family(
        k,
        "cors_requests_total",
        "Cross-origin requests seen by the CORS policy, by kind, grant and the schemeful site of their origin.",
        ["kind", "allowed", "site"],
      );
      const decide = (request: Parameters<CorsPolicy["decide"]>[0]): CorsDecision => {
        const d = policy.decide(request);
        if (d.kind !== "not-cors") {
          const origin = request.header("origin");
          const site = origin === undefined ? undefined : siteOf(origin);
          decisions({ kind: d.kind, allowed: String(d.allowed), site: site ?? "unknown" });
        }
        return d;
      };
      return Object.freeze({
        decide,
        credentials: policy.credentials,
        methods: policy.methods,
        allowedHeaders: policy.allowedHeaders,
        exposedHeaders: policy.exposedHeaders,
        maxAge: policy.maxAge,
      });
    },
    render: () => exposition(counters.values()),
    contentType: EXPOSITION_CONTENT_TYPE,
  };
}
