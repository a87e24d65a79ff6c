/**
 * @module nginx (Debian `nginx-light`) as the floor any proxy can reach:
 * one worker, upstream keepalive, `proxy_buffering off`, everything in a
 * temp prefix, listening on 127.0.0.1 only.
 */

import { freePort, spawnChild, waitForHttp } from "./child.ts";
import { MOCK_API_KEY } from "./mock_upstream.ts";
import { CHAT_PATH, type Target } from "./target.ts";

/** The nginx binary to run. @default "nginx" (on PATH), else /usr/sbin/nginx */
export async function findNginx(): Promise<string | null> {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    try {
      const out = await new Deno.Command(candidate, {
        args: ["-v"],
        stdout: "null",
        stderr: "null",
      })
        .output();
      if (out.code === 0) return candidate;
    } catch {
      // Not there; try the next one.
    }
  }
  return null;
}

/** The configuration the benchmark runs nginx with. */
export function nginxConf(
  prefix: string,
  listenPort: number,
  upstreamHostPort: string,
): string {
  return `worker_processes 1;
worker_rlimit_nofile 16384;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events {
  worker_connections 8192;
}
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  # Deno and Node keep a client connection for any number of requests; so does nginx here.
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  upstream mock {
    server ${upstreamHostPort};
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
`;
}

/** Starts nginx in front of the mock at `mockUrl` (e.g. `http://127.0.0.1:4567`). */
export async function startNginx(
  mockUrl: string,
  binary = "nginx",
): Promise<Target> {
  const prefix = await Deno.makeTempDir({ prefix: "sidecar-bench-nginx-" });
  // A root master hands requests to an unprivileged worker, which must reach the temp paths.
  await Deno.chmod(prefix, 0o755);
  const port = freePort();
  const conf = `${prefix}/nginx.conf`;
  await Deno.writeTextFile(
    conf,
    nginxConf(prefix, port, new URL(mockUrl).host),
  );
  const child = await spawnChild({
    name: "nginx",
    cmd: binary,
    args: [
      "-p",
      prefix,
      "-c",
      conf,
      "-e",
      `${prefix}/error.log`,
      "-g",
      "daemon off;",
    ],
    ready: null,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/healthz`, 10000),
      child.exited.then((code) => {
        throw new Error(`nginx exited with code ${code}: ${child.tail()}`);
      }),
    ]);
  } catch (e) {
    await child.stop();
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
    throw e;
  }
  return {
    id: "nginx",
    label: "nginx (1 worker, keepalive, no buffering)",
    url: url + CHAT_PATH,
    headers: { authorization: `Bearer ${MOCK_API_KEY}` },
    pid: child.pid,
    command: child.command,
    async stop() {
      // nginx's fast shutdown is SIGTERM; its master reaps the worker.
      await child.stop();
      await Deno.remove(prefix, { recursive: true }).catch(() => {});
    },
  };
}
