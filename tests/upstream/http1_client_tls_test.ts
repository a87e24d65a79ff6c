import assert from "node:assert/strict";
import { createHttp1Client } from "../../src/upstream/http1_client.ts";

/**
 * A throwaway CA and a localhost certificate it signed, made with openssl
 * (the test is skipped without it). rustls refuses a self-signed leaf.
 */
async function testCertificates(): Promise<{ ca: string; cert: string; key: string } | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-tls-" });
  const run = async (...args: string[]) =>
    (await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "null" })
      .output()).success;
  try {
    await Deno.writeTextFile(
      `${dir}/leaf.ext`,
      "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    );
    const rsa = ["-newkey", "rsa:2048", "-nodes"];
    const made = await run(
      "req",
      "-x509",
      ...rsa,
      "-days",
      "1",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-subj",
      "/CN=sidecar-test-ca",
    ) &&
      await run(
        "req",
        ...rsa,
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
      ) &&
      await run(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
      );
    if (!made) return undefined;
    const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
    return { ca: await read("ca.pem"), cert: await read("cert.pem"), key: await read("key.pem") };
  } catch {
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const pair = await testCertificates();

Deno.test({
  name:
    "Http1Client.fetch() speaks HTTP/1.1 over TLS with the given caCerts and reuses the connection",
  ignore: pair === undefined,
  async fn() {
    const server = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        cert: pair!.cert,
        key: pair!.key,
        onListen() {},
      },
      async (req) => new Response(`${req.method} ${new URL(req.url).pathname} ${await req.text()}`),
    );
    const client = createHttp1Client({ caCerts: [pair!.ca] });
    try {
      const port = server.addr.port;
      for (let i = 0; i < 3; i++) {
        const res = await client.fetch(`https://localhost:${port}/v1/x`, {
          method: "POST",
          body: new TextEncoder().encode("hi"),
        });
        assert.equal(res.status, 200);
        assert.equal(await res.text(), "POST /v1/x hi");
      }
      assert.equal(client.idle, 1);
    } finally {
      await client.close();
      await server.shutdown();
    }
  },
});
