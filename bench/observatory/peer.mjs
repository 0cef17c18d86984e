// Helper of bench/observatory/peer.sh. Plain Node (>= 20), no dependencies of its own; the peer
// (MDN HTTP Observatory 1.4.8) is imported from the folder peer.sh installed it in.
//
//   node --import ./localhost.mjs peer.mjs scan PEER_DIR HOST:PORT…  -> one JSON line per host
//   node peer.mjs select MANIFEST                                    -> "host url profile defects" lines
//   node peer.mjs compare PEER.jsonl OURS.jsonl                      -> per-site report, agreement line
//   node peer.mjs cases PEER.jsonl                                   -> ground-truth JSON (tests' format)
//
// `scan` runs the peer's own scan() (what its CLI `mdn-http-observatory-scan HOST` runs) on
// "host:port": the peer builds http://host:port/ and https://host:port/ from it, so a plain-HTTP
// site on any port is scanned with no root and no /etc/hosts edit; its https attempt fails on the
// plain port, as for a site without HTTPS. While it scans, every HTTP response the peer receives
// is recorded through Node's diagnostics channel (status, raw headers, decompressed body): the
// facts our grader takes as input, exactly as the peer saw them.

import dc from "node:diagnostics_channel";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";

const [, , command, ...args] = process.argv;

// ------------------------------------------------------------------ recording what the peer sees
let exchanges = null;

dc.subscribe("http.client.response.finish", ({ request, response }) => {
  if (!exchanges) return;
  const host = request.getHeader("host");
  const exchange = {
    method: request.method,
    accept: String(request.getHeader("accept") ?? ""),
    url: new URL(request.path, `${request.protocol}//${host}`).href,
    status: response.statusCode,
    headers: [],
    chunks: [],
  };
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    exchange.headers.push([response.rawHeaders[i], response.rawHeaders[i + 1]]);
  }
  exchanges.push(exchange);
  // A second 'data' listener sees the same chunks as the peer's own stream.
  response.on("data", (chunk) => exchange.chunks.push(Buffer.from(chunk)));
});

function bodyText(exchange) {
  let bytes = Buffer.concat(exchange.chunks);
  const encoding = exchange.headers
    .filter(([name]) => name.toLowerCase() === "content-encoding")
    .map(([, value]) => value.trim().toLowerCase())
    .pop();
  try {
    if (encoding === "gzip" || encoding === "x-gzip") bytes = zlib.gunzipSync(bytes);
    else if (encoding === "deflate") bytes = zlib.inflateSync(bytes);
    else if (encoding === "br") bytes = zlib.brotliDecompressSync(bytes);
  } catch {
    // Left as received: the peer would not decode it either.
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

/// Our grader's input, from the responses the peer received for one host.
function observatoryInput(hostPort, startedAt, recorded) {
  const hostname = hostPort.replace(/:\d+$/, "").toLowerCase();
  const firstOptions = recorded.findIndex((e) => e.method === "OPTIONS");
  const beforeCors = firstOptions === -1 ? recorded : recorded.slice(0, firstOptions);
  // The chain's requests carry the page Accept header; robots.txt (asked next) another one.
  const chain = beforeCors.filter((e) => e.method === "GET" && e.accept.startsWith("text/html"));
  const cors = firstOptions === -1 ? [] : recorded.slice(firstOptions);
  const last = chain[chain.length - 1];
  return {
    hostname,
    http: chain.length
      ? {
          hops: chain.map((e) => ({ url: e.url, status: e.status, headers: e.headers })),
          certificate_verified: true,
          body: bodyText(last),
        }
      : null,
    https: null,
    cors_preflight: cors.length
      ? { status: cors[cors.length - 1].status, headers: cors[cors.length - 1].headers }
      : null,
    fetched_at: startedAt,
  };
}

async function scanAll(peerDir, hosts) {
  const entry = path.join(peerDir, "node_modules/@mdn/mdn-http-observatory/src/scanner/index.js");
  const { scan } = await import(pathToFileURL(entry).href);
  for (const host of hosts) {
    const startedAt = new Date().toISOString();
    exchanges = [];
    let line;
    try {
      const result = await Promise.race([
        scan(host),
        new Promise((_, reject) => setTimeout(() => reject(new Error("no answer in 60 s")), 60_000).unref()),
      ]);
      const tests = Object.fromEntries(
        Object.entries(result.tests).map(([name, t]) => [
          name,
          { result: t.result, scoreModifier: t.scoreModifier, pass: t.pass },
        ])
      );
      line = { host, scan: { score: result.scan.score, grade: result.scan.grade, testsPassed: result.scan.testsPassed }, tests };
    } catch (e) {
      line = { host, error: String(e?.message ?? e) };
    }
    // Let the last response bodies finish streaming into the record.
    await new Promise((r) => setTimeout(r, 50));
    line.input = observatoryInput(host, startedAt, exchanges);
    exchanges = null;
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

// ------------------------------------------------------------------ choosing sites, comparing
// Defects that leave an ordinary home page: candidates for "one site per header profile".
const ORDINARY = new Set([
  "no_https",
  "stale_content",
  "outdated_cms",
  "generator_disclosed",
  "broken_internal_link",
  "broken_external_link",
  "disclosure_missing",
  "disclosure_incomplete",
  "spam_visible",
  "spam_hidden",
  "spam_links",
  "cloaking",
  "malformed_feed",
  "invalid_encoding",
]);
// Extra classes with other answers from the home page (two sites each; EXTRA_CLASSES=a,b
// overrides). Left out: headers_too_large, because Node refuses responses with more than 16 KiB
// of headers and the peer then reports "The site seems to be down" while we grade (a documented
// difference, see crates/inspect/src/observatory.rs).
const EXTRA = process.env.EXTRA_CLASSES?.split(",").filter(Boolean) ?? ["malicious_redirect", "http_error"];

function select(manifestPath) {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  const byProfile = new Map();
  const extras = new Map(EXTRA.map((c) => [c, []]));
  for (const site of manifest) {
    const u = new URL(site.url);
    if (u.protocol !== "http:") continue;
    const other = site.defects.filter((d) => !ORDINARY.has(d));
    const text = `${u.host} ${site.url} ${site.header_profile} ${site.defects.join(",") || "-"}`;
    if (other.length === 0) {
      if (!byProfile.has(site.header_profile)) byProfile.set(site.header_profile, text);
    } else if (other.length === 1 && extras.has(other[0]) && extras.get(other[0]).length < 2) {
      extras.get(other[0]).push(text);
    }
  }
  for (const [, text] of [...byProfile].sort((a, b) => a[0] - b[0])) console.log(text);
  for (const list of extras.values()) for (const text of list) console.log(text);
}

function readJsonLines(file) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function compare(peerFile, oursFile) {
  const peer = readJsonLines(peerFile);
  const ours = new Map(readJsonLines(oursFile).map((r) => [new URL(r.url).host, r]));
  let same = 0;
  let results = 0;
  let resultsTotal = 0;
  for (const p of peer) {
    const m = ours.get(p.host);
    const head = p.host.padEnd(34);
    if (p.error || !m || m.score == null) {
      const bothUngraded = p.error && m && m.score == null;
      if (bothUngraded) same += 1;
      console.log(
        `${head} ${bothUngraded ? "both ungraded" : "FAILED"}  peer: ${p.error ?? `${p.scan.score} ${p.scan.grade}`}; ` +
          `lanhmang: ${m ? (m.score == null ? "no grade" : `${m.score} ${m.grade}`) : "no result"}`
      );
      continue;
    }
    const diffs = [];
    const names = new Set([...Object.keys(p.tests), ...Object.keys(m.header_tests ?? {})]);
    for (const name of [...names].sort()) {
      const pt = p.tests[name];
      const mt = m.header_tests?.[name];
      resultsTotal += 1;
      if (pt && mt && pt.result === mt.result && pt.scoreModifier === mt.score_modifier && pt.pass === mt.pass) {
        results += 1;
      } else {
        diffs.push(`${name}: peer ${pt?.result}/${pt?.scoreModifier}/${pt?.pass} | lanhmang ${mt?.result}/${mt?.score_modifier}/${mt?.pass}`);
      }
    }
    const identical = p.scan.score === m.score && p.scan.grade === m.grade && diffs.length === 0;
    if (identical) same += 1;
    console.log(`${head} peer ${String(p.scan.score).padEnd(4)}${p.scan.grade.padEnd(3)} lanhmang ${String(m.score).padEnd(4)}${m.grade.padEnd(3)} ${identical ? "ok" : "DIFF"}`);
    for (const d of diffs) console.log(`    ${d}`);
  }
  console.log("");
  console.log(`agreement: ${same} of ${peer.length} plain-HTTP sites identical (score, grade and every test); test results ${results}/${resultsTotal}`);
  process.exit(same === peer.length ? 0 : 1);
}

/// The peer's results with the inputs recorded from the responses it received, in the format of
/// crates/inspect/tests/data/observatory/ground_truth.json.
function cases(peerFile) {
  const out = [];
  for (const p of readJsonLines(peerFile)) {
    const name = `plain-http-${p.host.replace(/:\d+$/, "").replace(/\.fixture\.localhost$/, "")}`;
    let expected;
    if (p.error) {
      const status = /status code (\d+)/.exec(p.error);
      expected = status ? { error: "unexpected-status", status: Number(status[1]) } : { error: "site-down" };
    } else {
      expected = {
        score: p.scan.score,
        grade: p.scan.grade,
        tests_passed: p.scan.testsPassed,
        tests: Object.fromEntries(
          Object.entries(p.tests).map(([n, t]) => [n, { result: t.result, score_modifier: t.scoreModifier, pass: t.pass }])
        ),
      };
    }
    out.push({ name, input: p.input, expected });
  }
  const truth = {
    observatory_version: "1.4.8",
    generated_by:
      "bench/observatory/peer.sh: MDN HTTP Observatory 1.4.8's scan() (HSTS preload list empty) on plain-HTTP fixture sites; " +
      "each input is the responses the peer itself received, recorded through Node's diagnostics channel",
    cases: out,
  };
  process.stdout.write(JSON.stringify(truth, null, 1) + "\n");
}

switch (command) {
  case "scan":
    await scanAll(args[0], args.slice(1));
    break;
  case "select":
    select(args[0]);
    break;
  case "compare":
    compare(args[0], args[1]);
    break;
  case "cases":
    cases(args[0]);
    break;
  default:
    console.error("usage: peer.mjs scan PEER_DIR HOST:PORT… | select MANIFEST | compare PEER OURS | cases PEER");
    process.exit(64);
}
