/**
 * @module tcp_sockets
 * The kernel's view of our TCP sockets, from Linux's /proc/net/tcp and
 * /proc/net/tcp6: used to notice a client that has closed its connection
 * while its request waits upstream, which Deno 2.9.6 does not report for a
 * request whose body was large enough to be streamed (`request.signal`
 * never aborts). Elsewhere than Linux the files are absent and nothing is
 * noticed.
 *
 * Format: https://www.kernel.org/doc/Documentation/networking/proc_net_tcp.txt
 * (addresses are hex words in host byte order, ports hex big-endian).
 */

/** TCP states (include/net/tcp_states.h) in which the peer has closed its side. */
const PEER_CLOSED = new Set([
  0x07, // CLOSE: reset by the peer
  0x08, // CLOSE_WAIT: the peer sent FIN
  0x09, // LAST_ACK
]);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The key {@link socketStates} uses for a peer: its address in one spelling
 * (IPv4-mapped IPv6 as dotted IPv4, IPv6 as eight full hex groups) and port.
 */
export function peerKey(hostname: string, port: number): string {
  return `${canonicalIp(hostname)}:${port}`;
}

/**
 * The state of each socket whose local port is `localPort`, by
 * {@link peerKey} of its remote end, from the text of /proc/net/tcp or
 * /proc/net/tcp6 (several may be passed).
 */
export function socketStates(tables: readonly string[], localPort: number): Map<string, number> {
  const out = new Map<string, number>();
  const portHex = `:${localPort.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const text of tables) {
    for (const line of text.split("\n")) {
      // "  sl  local_address rem_address   st ..."; the header line fails the port test.
      const fields = line.trim().split(/\s+/, 4);
      const [, local, remote, st] = fields;
      if (!local?.endsWith(portHex) || !remote || !st) continue;
      const colon = remote.indexOf(":");
      const ip = hexIp(remote.slice(0, colon));
      if (ip === undefined) continue;
      out.set(`${ip}:${parseInt(remote.slice(colon + 1), 16)}`, parseInt(st, 16));
    }
  }
  return out;
}

/**
 * True when the peer `key` has gone: its socket is in a closed state, or no
 * longer listed at all (a reset socket leaves the table).
 */
export function peerGone(states: ReadonlyMap<string, number>, key: string): boolean {
  const st = states.get(key);
  return st === undefined || PEER_CLOSED.has(st);
}

/** Reads /proc/net/tcp and /proc/net/tcp6; undefined when neither exists (not Linux). */
export async function readTcpTables(): Promise<string[] | undefined> {
  const read = (path: string) => Deno.readTextFile(path).catch(() => undefined);
  const texts = (await Promise.all([read("/proc/net/tcp"), read("/proc/net/tcp6")]))
    .filter((t): t is string => t !== undefined);
  return texts.length > 0 ? texts : undefined;
}

function hexIp(hex: string): string | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(LITTLE_ENDIAN ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes[i]! * 256 + bytes[i + 1]!);
  return groupsToIp(groups);
}

function canonicalIp(hostname: string): string {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (!host.includes(":")) return host;
  const groups = ipv6Groups(host);
  return groups ? groupsToIp(groups) : host.toLowerCase();
}

/** Eight 16-bit groups of an IPv6 address, including the `::` and dotted-tail forms. */
function ipv6Groups(host: string): number[] | undefined {
  const [head = "", tail] = host.split("::");
  const part = (s: string): number[] =>
    s === "" ? [] : s.split(":").flatMap((g) => {
      if (!g.includes(".")) return [parseInt(g, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = g.split(".").map(Number);
      return [a * 256 + b, c * 256 + d];
    });
  const front = part(head);
  const back = tail === undefined ? [] : part(tail);
  const fill = 8 - front.length - back.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return undefined;
  const groups = [...front, ...new Array<number>(fill).fill(0), ...back];
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
}

function groupsToIp(groups: readonly number[]): string {
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
  }
  return groups.map((g) => g.toString(16)).join(":");
}
