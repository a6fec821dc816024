/** A listener of one event type; an async one is not awaited. */
export type Listener<E> = (event: E) => unknown;

/**
 * A small typed event emitter. A listener that throws, or an async one that rejects, never
 * breaks the request that emitted the event (nor, as an unhandled rejection, the process): its
 * error goes to `onListenerError` (default: `console.error`).
 */
export class Emitter<E extends { type: string }> {
  readonly #listeners = new Map<string, Set<Listener<E>>>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = (error) => console.error(error)) {
    this.#onListenerError = onListenerError;
  }

  /** Calls `listener` for every event of `type` ("*" for all). Returns a function that stops it. */
  on<T extends E["type"] | "*">(
    type: T,
    listener: Listener<T extends "*" ? E : Extract<E, { type: T }>>,
  ): () => void {
    let set = this.#listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as Listener<E>);
    return () => set.delete(listener as Listener<E>);
  }

  emit(event: E): void {
    for (const type of [event.type, "*"]) {
      const set = this.#listeners.get(type);
      if (set === undefined) continue;
      for (const l of set) {
        try {
          const returned = l(event);
          if (typeof (returned as PromiseLike<void> | undefined)?.then === "function") {
            (returned as PromiseLike<void>).then(undefined, this.#onListenerError);
          }
        } catch (error) {
          this.#onListenerError(error);
        }
      }
    }
  }
}
