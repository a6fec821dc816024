// The reliability suites run short in `npm test` and long in `npm run soak`, which sets
// SESSIONJAR_SOAK=1. Every count that grows with it is read from here.
export const SOAK: boolean = process.env.SESSIONJAR_SOAK === "1";
