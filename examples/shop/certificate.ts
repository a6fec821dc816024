// The shop's TLS certificate: self-signed for its three host names, made on first start with
// the `selfsigned` package and kept in the data folder, remade when the names change or it is
// about to expire. Browsers trust it by the SHA-256 of its public key
// (`--ignore-certificate-errors-spki-list`), so nothing is installed system-wide.
import { createHash, createPublicKey } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";

export interface Certificate {
  readonly key: string;
  readonly cert: string;
  /** base64 SHA-256 of the DER SubjectPublicKeyInfo. */
  readonly spki: string;
}

export interface CertificateOptions {
  /** Days of validity. Default 90. */
  days?: number;
}

/** A self-signed EC P-256 certificate whose subjectAltNames are `hosts`. */
export async function makeCertificate(
  hosts: readonly string[],
  options: CertificateOptions = {},
): Promise<Certificate & { notAfter: number }> {
  const first = hosts[0];
  if (first === undefined) throw new TypeError("a certificate needs at least one host name");
  const notAfter = Date.now() + (options.days ?? 90) * 86_400_000;
  const pems = await generate([{ name: "commonName", value: first }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(notAfter),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: hosts.map((h) => ({ type: 2 as const, value: h })) },
    ],
  });
  return { key: pems.private, cert: pems.cert, spki: spkiOf(pems.cert), notAfter };
}

/** The `--ignore-certificate-errors-spki-list` value of a PEM certificate. */
export function spkiOf(cert: string): string {
  const der = createPublicKey(cert).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64");
}

interface Saved {
  hosts: string[];
  notAfter: number;
  key: string;
  cert: string;
}

const RENEW_BEFORE_MS = 7 * 86_400_000;

/** The certificate in `dir` for exactly these hosts, made and saved (mode 0600) when needed. */
export async function loadCertificate(dir: string, hosts: readonly string[]): Promise<Certificate> {
  const file = join(dir, "certificate.json");
  const wanted = [...hosts].sort();
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as Saved;
    if (saved.hosts.join() === wanted.join() && saved.notAfter - Date.now() > RENEW_BEFORE_MS)
      return { key: saved.key, cert: saved.cert, spki: spkiOf(saved.cert) };
  } catch {
    // Missing or unreadable: make a new one.
  }
  const made = await makeCertificate(wanted);
  mkdirSync(dir, { recursive: true });
  const saved: Saved = { hosts: wanted, notAfter: made.notAfter, key: made.key, cert: made.cert };
  writeFileSync(file, JSON.stringify(saved), { mode: 0o600 });
  return made;
}
