// Preloaded into Portkey's gateway with `node --import`: its start-server.js
// calls `serve({ fetch, port })` with no hostname, so Node would listen on
// every interface. This pins any listen() without a host to 127.0.0.1 and
// prints the real address, so the benchmark can use --port=0.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (
    (typeof args[0] === "number" || typeof args[0] === "string") &&
    typeof args[1] !== "string"
  ) {
    args.splice(1, 0, "127.0.0.1");
  } else if (
    args[0] && typeof args[0] === "object" && args[0].host === undefined &&
    args[0].path === undefined
  ) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  this.once("listening", () => {
    const a = this.address();
    if (a && typeof a === "object") {
      console.log(`PORTKEY_BENCH_LISTENING http://${a.address}:${a.port}`);
    }
  });
  return listen.apply(this, args);
};
