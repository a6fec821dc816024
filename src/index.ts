export { SessionjarError } from "./errors.js";
