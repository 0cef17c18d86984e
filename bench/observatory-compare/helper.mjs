// Helper of bench/observatory-compare/run.sh. Plain Node (>= 20), no dependencies of its own.
//
//   node helper.mjs select MANIFEST            -> "index host url profile defects group" per chosen site
//                                                (EXTRAS=0: one site per header profile only)
//   node helper.mjs scan OBSERVATORY_DIR HOST… -> one JSON line per host: Observatory 1.4.8's scan()
//   node helper.mjs compare SITES OBS.jsonl OURS.jsonl -> per-site report and the agreement line
//
// `scan` imports the package's own scan() (what its CLI `mdn-http-observatory-scan` runs) and
// scans the hosts one after the other, as the CLI does one host per run, in a single process so
// that Node's start-up is not counted. Set OBS_CONCURRENCY to scan several hosts at once.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [, , command, ...args] = process.argv;

// Defects that leave a site with a valid certificate on :443, a plain redirect to it on :80 and
// an ordinary home page: the candidates for "one site per header profile".
const SCANNABLE = new Set([
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

// Extra sites beyond one per profile (two of each class; EXTRA_CLASSES=a,b,… overrides): other
// redirect behaviours, certificate failures (Observatory's retry without verification), mixed
// content, HTTP errors. Left out by default, with the reason (see README.md):
//   tls_weak_key       Observatory cannot scan it (Node rejects the SHA-1 signed certificate with
//                      a code outside Observatory's retry list: "The site seems to be down"); we grade.
//   headers_too_large  Node refuses headers over 16 KiB: Observatory errors; we grade (documented
//                      in observatory.rs).
//   too_many_redirects Observatory grades the 11th response of the chain; `lanhmang inspect` gives
//                      no grade (its main fetch fails first).
//   body_too_large, decompression_bomb  Observatory reads bodies without a cap: Node eats GBs of
//                      memory and CPU, and the scan does not end in minutes.
//   timeout, slow_response  10 s (or 3.5 s) per scan for nothing new; timeout sites are ungraded
//                      by both.
//   unreachable        its URL carries a port, which Observatory cannot scan.
const EXTRA_CLASSES = process.env.EXTRA_CLASSES?.split(",").filter(Boolean) ?? [
  "no_https",
  "no_https_redirect",
  "tls_expired",
  "tls_expiring_soon",
  "tls_self_signed",
  "tls_hostname_mismatch",
  "tls_incomplete_chain",
  "mixed_content",
  "malicious_redirect",
  "http_error",
];
const EXTRAS_PER_CLASS = 2;

function select(manifestPath, withExtras) {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  const line = (site, index, group) => {
    const u = new URL(site.url);
    const defects = site.defects.length ? site.defects.join(",") : "-";
    return { profile: site.header_profile, text: `${index} ${u.hostname} ${site.url} ${site.header_profile} ${defects} ${group}` };
  };
  const byProfile = new Map();
  const extras = new Map(EXTRA_CLASSES.map((c) => [c, []]));
  manifest.forEach((site, index) => {
    const u = new URL(site.url);
    if (u.port !== "") return;
    const other = site.defects.filter((d) => !SCANNABLE.has(d));
    if (other.length === 0) {
      if (u.protocol === "https:" && !byProfile.has(site.header_profile)) {
        byProfile.set(site.header_profile, line(site, index, "profile"));
      }
    } else if (other.length === 1 && extras.has(other[0])) {
      const list = extras.get(other[0]);
      if (list.length < EXTRAS_PER_CLASS) list.push(line(site, index, other[0]));
    }
  });
  const chosen = [...byProfile.values()].sort((a, b) => a.profile - b.profile);
  for (const c of chosen) console.log(c.text);
  if (withExtras) for (const list of extras.values()) for (const c of list) console.log(c.text);
}

async function scanAll(obsDir, hosts) {
  const entry = path.join(obsDir, "node_modules/@mdn/mdn-http-observatory/src/scanner/index.js");
  const { scan } = await import(pathToFileURL(entry).href);
  const perHostLimitMs = 60_000;
  const one = async (host) => {
    const started = performance.now();
    let line;
    try {
      const result = await Promise.race([
        scan(host),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`no answer in ${perHostLimitMs} ms`)), perHostLimitMs).unref()
        ),
      ]);
      // The same shape as the CLI prints (scoreDescription left out).
      const tests = Object.fromEntries(
        Object.entries(result.tests).map(([name, t]) => {
          const { scoreDescription, ...rest } = t;
          return [name, rest];
        })
      );
      line = { host, ms: Math.round(performance.now() - started), scan: result.scan, tests };
    } catch (e) {
      line = { host, ms: Math.round(performance.now() - started), error: String(e?.message ?? e) };
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  };
  const concurrency = Math.max(1, Number(process.env.OBS_CONCURRENCY ?? 1));
  const queue = [...hosts];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      while (queue.length) await one(queue.shift());
    })
  );
}

function readJsonLines(file) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function compare(sitesFile, obsFile, oursFile) {
  const sites = fs
    .readFileSync(sitesFile, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [index, host, url, profile, defects, group] = l.split(" ");
      return { index: Number(index), host, url, profile: Number(profile), defects, group };
    });
  const obs = new Map(readJsonLines(obsFile).map((r) => [r.host, r]));
  const ours = new Map();
  for (const r of readJsonLines(oursFile)) ours.set(new URL(r.url).hostname, r);

  const tally = () => ({ sites: 0, scores: 0, grades: 0, results: 0, resultsTotal: 0, modifiers: 0, failures: 0 });
  const all = tally();
  const profiles = tally();
  const extras = tally();
  const pad = (s, n) => String(s).padEnd(n);
  let lastGroup = null;
  for (const s of sites) {
    const group = s.group === "profile" ? profiles : extras;
    const add = (key, n = 1) => {
      all[key] += n;
      group[key] += n;
    };
    if (s.group !== lastGroup) {
      console.log(s.group === "profile" ? "-- one site per header profile" : `-- extra sites with ${s.group}`);
      lastGroup = s.group;
    }
    add("sites");
    const o = obs.get(s.host);
    const m = ours.get(s.host);
    const head = `${pad(s.host, 24)} profile ${pad(s.profile, 2)}`;
    if (o?.error && m && m.score == null) {
      // Neither grades the site: Observatory reports an error, lanhmang has no score.
      add("scores");
      add("grades");
      console.log(`${head}  both ungraded  (observatory error: ${o.error})  (site defects: ${s.defects})`);
      continue;
    }
    if (!o || o.error || !m || m.score == null) {
      add("failures");
      add("resultsTotal", 10);
      const why = [
        !o ? "observatory: no result" : o.error ? `observatory error: ${o.error}` : null,
        !m ? "lanhmang: no result" : m.score == null ? "lanhmang: no grade" : null,
      ].filter(Boolean);
      console.log(`${head}  FAILED  ${why.join("; ")}`);
      continue;
    }
    const sameScore = o.scan.score === m.score;
    const sameGrade = o.scan.grade === m.grade;
    add("scores", sameScore ? 1 : 0);
    add("grades", sameGrade ? 1 : 0);
    const diffs = [];
    const names = new Set([...Object.keys(o.tests), ...Object.keys(m.header_tests ?? {})]);
    for (const name of [...names].sort()) {
      const ot = o.tests[name];
      const mt = m.header_tests?.[name];
      add("resultsTotal");
      if (ot && mt && ot.result === mt.result) {
        add("results");
        if (ot.scoreModifier === mt.score_modifier && ot.pass === mt.pass) add("modifiers");
        else
          diffs.push(
            `${name}: same result ${ot.result}, but modifier/pass ${ot.scoreModifier}/${ot.pass} vs ${mt.score_modifier}/${mt.pass}`
          );
      } else {
        diffs.push(`${name}: observatory ${ot?.result ?? "(missing)"} | lanhmang ${mt?.result ?? "(missing)"}`);
      }
    }
    const mark = sameScore && sameGrade && diffs.length === 0 ? "ok  " : "DIFF";
    console.log(
      `${head}  observatory ${pad(o.scan.score, 4)}${pad(o.scan.grade, 3)} lanhmang ${pad(m.score, 4)}${pad(m.grade, 3)} ${mark}` +
        (s.defects !== "-" ? `  (site defects: ${s.defects})` : "")
    );
    for (const d of diffs) console.log(`    ${d}`);
  }
  const line = (t) =>
    `scores ${t.scores}/${t.sites}, grades ${t.grades}/${t.sites}, test results ${t.results}/${t.resultsTotal}` +
    ` (modifiers and pass ${t.modifiers}/${t.resultsTotal})` +
    (t.failures ? `, ${t.failures} sites not graded by both` : "");
  const distinct = new Set(sites.filter((s) => s.group === "profile").map((s) => s.profile)).size;
  console.log("");
  console.log(`one site per header profile (${distinct} distinct profiles): ${line(profiles)}`);
  if (extras.sites) console.log(`extra sites (${[...new Set(sites.filter((s) => s.group !== "profile").map((s) => s.group))].join(", ")}): ${line(extras)}`);
  console.log(`agreement: ${line(all)}`);
  const ok =
    all.failures === 0 &&
    all.scores === all.sites &&
    all.grades === all.sites &&
    all.results === all.resultsTotal &&
    all.modifiers === all.resultsTotal;
  process.exit(ok ? 0 : 1);
}

switch (command) {
  case "select":
    select(args[0], process.env.EXTRAS !== "0");
    break;
  case "scan":
    await scanAll(args[0], args.slice(1));
    break;
  case "compare":
    compare(args[0], args[1], args[2]);
    break;
  default:
    console.error("usage: helper.mjs select MANIFEST | scan OBSERVATORY_DIR HOST… | compare SITES OBS OURS");
    process.exit(64);
}
