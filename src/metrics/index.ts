/**
 * sessionjar/metrics: Prometheus counters fed by the events of sessions, the CSRF defence and
 * CORS policies, in the text exposition format. Pure: no `node:` imports.
 *
 * @module
 */
export { type Counter, type CounterOptions, type Labels, OVERFLOW_LABEL_VALUE } from "./counter.js";
export {
  createMetrics,
  type EventSource,
  type Metrics,
  type MetricsOptions,
  type ObserveOptions,
} from "./create-metrics.js";
export { MetricsError, type MetricsErrorCode } from "./errors.js";
export { EXPOSITION_CONTENT_TYPE, exposition } from "./exposition.js";
