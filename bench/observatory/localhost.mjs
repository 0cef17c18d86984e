// Preloaded into the peer's Node process by peer.sh (`node --import`): every `*.localhost` name
// means 127.0.0.1 (RFC 6761), as the fixture web expects, without editing /etc/hosts.
import dns from "node:dns";

const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  } else if (typeof options === "number") {
    options = { family: options };
  }
  if (/(^|\.)localhost\.?$/i.test(host)) {
    if (options?.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return lookup.call(this, host, options, callback);
};
