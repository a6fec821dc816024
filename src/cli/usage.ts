import { didYouMean } from "../lib/options.js";

/**
 * One line for an argument parseArgs refused: the option, the likely intended one, and where
 * the usage is. parseArgs' own message suggests `--` for positionals, which is never what a
 * misspelled option needs.
 */
export function argumentError(
  command: string,
  error: unknown,
  options: Readonly<Record<string, unknown>>,
): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  const see = `see ${command} --help`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) {
    const guess = didYouMean(option.replace(/^-+/, ""), Object.keys(options));
    const hint = guess === undefined ? "" : ` (did you mean --${guess}?)`;
    return `${command}: unknown option ${option}${hint}; ${see}\n`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
    const needs = message.endsWith("argument missing");
    return `${command}: ${option} ${needs ? "needs a value" : "takes no value"}; ${see}\n`;
  }
  return `${command}: ${message}; ${see}\n`;
}
