import { didYouMean } from "../lib/options.js";

/**
 * The first key of `object` that is not in `known`, as a problem to report: the field, the
 * likely intended one, and the fields that `what` does have. `elsewhere` names fields that
 * belong to another object, to say where they go.
 */
export function unknownField(
  object: Readonly<Record<string, unknown>>,
  known: readonly string[],
  what: string,
  elsewhere: Readonly<Record<string, string>> = {},
): string | undefined {
  const name = Object.keys(object).find((k) => !known.includes(k));
  if (name === undefined) return undefined;
  const list = known.map((k) => `"${k}"`).join(", ");
  const place = elsewhere[name];
  if (place !== undefined)
    return `${what} has no field ${JSON.stringify(name)}: it belongs in ${place}`;
  const guess = didYouMean(name, known);
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  return `${what} has no field ${JSON.stringify(name)}${hint}; its fields are ${list}`;
}
