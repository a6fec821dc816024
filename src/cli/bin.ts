#!/usr/bin/env node
import { main } from "./main.js";

// A reader that went away (`| head -1`) ends the command quietly, with the status of a process
// killed by SIGPIPE (128 + 13), as other tools end: Node ignores the signal, so writes fail
// with EPIPE instead, and an unhandled one would print a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(141);
  });
}

process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
