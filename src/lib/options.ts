// Checks of option objects shared by the factories: a configuration read from the environment
// gives strings ("false" is truthy), and a misspelt key would otherwise leave a default in force.

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

/**
 * Refuses a key of `object` that is not among `known`, naming the known key it differs from only
 * in case, where there is one (`insecureLocalHost`: did you mean `insecureLocalhost`?).
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
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    fail(
      `unknown option ${where}${key}${near === undefined ? `: the options are ${known.join(", ")}` : `: did you mean ${where}${near}?`}`,
    );
  }
}
