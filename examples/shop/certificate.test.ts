import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadCertificate, spkiOf } from "./certificate.js";

const dir = mkdtempSync(join(tmpdir(), "shop-cert-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("certificate: made on first start for every host, kept, remade when the hosts change", async () => {
  const hosts = ["www.shop.test", "api.shop.test", "evil.example"];
  const first = await loadCertificate(dir, hosts);
  const x509 = new X509Certificate(first.cert);
  for (const h of hosts) assert.ok(x509.checkHost(h), `the certificate names ${h}`);
  assert.equal(first.spki, spkiOf(first.cert));
  assert.equal(
    statSync(join(dir, "certificate.json")).mode & 0o777,
    0o600,
    "the private key is the owner's only",
  );
  const again = await loadCertificate(dir, [...hosts].reverse());
  assert.equal(again.cert, first.cert, "the same names in another order reuse it");
  const renamed = await loadCertificate(dir, ["www.other.test", "api.other.test", "evil.example"]);
  assert.notEqual(renamed.cert, first.cert);
  assert.ok(new X509Certificate(renamed.cert).checkHost("www.other.test"));
});
