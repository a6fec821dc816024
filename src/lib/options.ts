// Checks of option objects shared by the factories: a configuration read from the environment
// gives strings ("false" is truthy), and a misspelt key would otherwise leave a default in force.

/**
 * Every key of an options type, for a list of known keys checked by the compiler: written as
 * `{ a: true, b: true } satisfies KnownKeys<Options>`, a key missing or extra does not compile.
 */
export type KnownKeys<T> = Record<keyof NonNullable<T>, true>;

/**
 * An optional boolean option: `value`, or `fallback` when it is undefined. Anything else (the
 * string "false", 0) goes to `fail` with a message naming the option and the value.
 */
export function booleanOption(
  name: string,
  value: unknown,
  fallback: boolean,
  fail: (message: string) => never,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    fail(`${name} must be true or false, not ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

/** Optimal string alignment distance: edits, with a swap of two neighbours as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known name that `name` is most likely a typo of: the same but for case, or one or two
 * letters off (one for names of four letters or fewer, where two would match almost anything).
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    const limit = k.length <= 4 ? 1 : 2;
    if (d <= limit && d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Refuses a key of `object` that is not among `known`, naming the known key it is likely a typo
 * of ({@link didYouMean}: `insecureLocalHost`, did you mean `insecureLocalhost`?).
 * `where` prefixes the key in the message: `rotation.` for a nested object, `` for the top.
 */
export function refuseUnknownKeys(
  object: object,
  known: readonly string[],
  where: string,
  fail: (message: string) => never,
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const near = didYouMean(key, known);
    fail(
      `unknown option ${where}${key}${near === undefined ? `: the options are ${known.join(", ")}` : `: did you mean ${where}${near}?`}`,
    );
  }
}
