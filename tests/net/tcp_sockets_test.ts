/**
 * @module tcp_sockets_test
 * socketStates() and peerGone() on /proc/net/tcp and tcp6 text; peerKey()
 * spelling IPv4, IPv6 and IPv4-mapped addresses the way the kernel's table
 * parses to. The samples are little-endian (x86-64, arm64), like the CI.
 */
import assert from "node:assert/strict";
import { peerGone, peerKey, socketStates } from "../../src/net/tcp_sockets.ts";

// Listener on 127.0.0.1:8686 (0x21EE); clients from ports 40000 (0x9C40), 40001, 40002.
const TCP =
  `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:21EE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:21EE 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   2: 0100007F:21EE 0100007F:9C41 08 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
   3: 0100007F:9C42 0100007F:21EE 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 30 10 -1
`;
// [::]:8686 with a v4-mapped client 127.0.0.1:40003 (0x9C43) and ::1 port 40004 (0x9C44).
const TCP6 =
  `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:21EE 0000000000000000FFFF00000100007F:9C43 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0 20 4 30 10 -1
   1: 00000000000000000000000001000000:21EE 00000000000000000000000001000000:9C44 08 00000000:00000000 00:00000000 00000000     0        0 6 1 0 20 4 30 10 -1
`;

Deno.test("socketStates() maps the peers of sockets on the local port to their state", () => {
  const states = socketStates([TCP, TCP6], 8686);
  assert.deepEqual([...states], [
    ["0.0.0.0:0", 0x0a],
    ["127.0.0.1:40000", 0x01],
    ["127.0.0.1:40001", 0x08],
    ["127.0.0.1:40003", 0x01],
    ["0:0:0:0:0:0:0:1:40004", 0x08],
  ]);
});

Deno.test("peerGone() is true for CLOSE_WAIT and for a socket no longer listed, false for ESTABLISHED", () => {
  const states = socketStates([TCP, TCP6], 8686);
  const cases: [string, number, boolean][] = [
    ["127.0.0.1", 40000, false],
    ["127.0.0.1", 40001, true], // CLOSE_WAIT: the client sent FIN
    ["127.0.0.1", 40002, true], // our *outgoing* socket from 40002 is not a client of 8686
    ["127.0.0.1", 40009, true], // gone from the table (reset)
    ["::ffff:127.0.0.1", 40003, false],
    ["::1", 40004, true],
  ];
  for (const [host, port, gone] of cases) {
    assert.equal(peerGone(states, peerKey(host, port)), gone, `${host}:${port}`);
  }
});

Deno.test("peerKey() spells IPv6 in full and IPv4-mapped addresses as IPv4", () => {
  assert.equal(peerKey("127.0.0.1", 1), "127.0.0.1:1");
  assert.equal(peerKey("::1", 2), "0:0:0:0:0:0:0:1:2");
  assert.equal(peerKey("[2001:db8::a:1]", 3), "2001:db8:0:0:0:0:a:1:3");
  assert.equal(peerKey("::ffff:10.0.0.7", 4), "10.0.0.7:4");
  assert.equal(peerKey("::FFFF:A00:7", 5), "10.0.0.7:5");
});

Deno.test("socketStates() ignores headers, blank lines and other ports", () => {
  assert.equal(socketStates(["", "garbage line\n\n", TCP], 9999).size, 0);
});
