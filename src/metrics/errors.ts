import { SessionjarError } from "../errors.js";

/** Every code a {@link MetricsError} can carry. */
export type MetricsErrorCode =
  | "ERR_METRICS_NAME_INVALID"
  | "ERR_METRICS_LABELS_INVALID"
  | "ERR_METRICS_VALUE_INVALID"
  | "ERR_METRICS_OPTIONS_INVALID";

/** Thrown by `sessionjar/metrics` when a metric is declared or used in a way Prometheus refuses. */
export class MetricsError extends SessionjarError {
  declare readonly code: MetricsErrorCode;
}
