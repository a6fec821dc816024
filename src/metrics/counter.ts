import { MetricsError } from "./errors.js";

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** A monotonically increasing count, split into series by its labels. */
export interface Counter {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Adds `by` (default 1, finite and not negative) to the series of `labels`. */
  inc(labels?: Labels, by?: number): void;
  /** The value of one series, 0 when it was never counted. */
  get(labels?: Labels): number;
  /** Every series counted so far, in first-counted order. */
  series(): readonly { readonly labels: Labels; readonly value: number }[];
}

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The value every label of a series takes once a counter has `maxSeries` series. */
export const OVERFLOW_LABEL_VALUE = "_overflow";

/** Options of {@link createCounter}. */
export interface CounterOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /**
   * The most series this counter keeps (default 1000). Label values can come from the network
   * (an Origin's site): past the cap, new label sets are counted in one series whose every
   * label is `_overflow` (one more series), so an attacker cannot grow memory or the scrape without bound.
   */
  maxSeries?: number;
}

export function createCounter(options: CounterOptions): Counter {
  const { name, help } = options;
  const labelNames = [...(options.labelNames ?? [])];
  const maxSeries = options.maxSeries ?? 1000;
  if (!METRIC_NAME.test(name))
    throw new MetricsError(
      "ERR_METRICS_NAME_INVALID",
      `metric name ${JSON.stringify(name)} is not a Prometheus name: use letters, digits, _ and :, not starting with a digit`,
    );
  const seen = new Set<string>();
  for (const l of labelNames) {
    if (!LABEL_NAME.test(l) || l.startsWith("__") || seen.has(l))
      throw new MetricsError(
        "ERR_METRICS_LABELS_INVALID",
        `label name ${JSON.stringify(l)} of ${name} is invalid or repeated: use letters, digits and _, not starting with a digit or __`,
      );
    seen.add(l);
  }
  if (!Number.isSafeInteger(maxSeries) || maxSeries < 1)
    throw new MetricsError(
      "ERR_METRICS_OPTIONS_INVALID",
      `maxSeries of ${name} must be a whole number of at least 1`,
    );
  const values = new Map<string, { labels: Labels; value: number }>();
  const overflow: Labels = Object.fromEntries(labelNames.map((l) => [l, OVERFLOW_LABEL_VALUE]));

  const keyOf = (labels: Labels): string => {
    const given = Object.keys(labels);
    if (given.length !== labelNames.length || !labelNames.every((l) => Object.hasOwn(labels, l)))
      throw new MetricsError(
        "ERR_METRICS_LABELS_INVALID",
        `${name} takes the labels [${labelNames.join(", ")}], got [${given.join(", ")}]`,
      );
    for (const l of labelNames) {
      if (typeof labels[l] !== "string")
        throw new MetricsError(
          "ERR_METRICS_LABELS_INVALID",
          `label ${l} of ${name} must be a string`,
        );
    }
    return JSON.stringify(labelNames.map((l) => labels[l]));
  };
  const overflowKey = keyOf(overflow);

  return {
    name,
    help,
    labelNames,
    inc(labels = {}, by = 1) {
      if (!Number.isFinite(by) || by < 0)
        throw new MetricsError(
          "ERR_METRICS_VALUE_INVALID",
          `${name} is a counter: it can only go up, by a finite amount (got ${by})`,
        );
      let own = labels;
      let key = keyOf(labels);
      if (!values.has(key) && values.size >= maxSeries) {
        own = overflow;
        key = overflowKey;
      }
      let entry = values.get(key);
      if (entry === undefined) {
        entry = { labels: { ...own }, value: 0 };
        values.set(key, entry);
      }
      entry.value += by;
    },
    get(labels = {}) {
      return values.get(keyOf(labels))?.value ?? 0;
    },
    series() {
      return [...values.values()].map((e) => ({ labels: e.labels, value: e.value }));
    },
  };
}
