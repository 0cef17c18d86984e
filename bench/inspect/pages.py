#!/usr/bin/env python3
"""Helpers for bench/inspect/run.sh (standard library only).

  pages.py urls MANIFEST N OUT                 first N site URLs of the manifest, one per line
  pages.py linksites MANIFEST N OUT            those of the first N whose defects are only link
                                               defects (or none): the lychee comparison set
  pages.py crawl URLS CA MAX_PAGES MAX_DEPTH OUT
                                               the pages our crawl visits on each site, found the
                                               way crates/inspect/src/inspector.rs crawls: home
                                               page, then its same-site links (depth 1) and the
                                               sitemap's, breadth first, robots.txt respected,
                                               file-like paths skipped, at most MAX_PAGES pages
  pages.py hosts URLS OUT                      /etc/hosts lines for every fixture host involved
  pages.py summary JSONL ELAPSED               totals of an inspection run
  pages.py compare MANIFEST LINKSITES OURS.jsonl LYCHEE.json
                                               broken links: manifest vs ours vs lychee
"""

import concurrent.futures
import json
import re
import socket
import ssl
import sys
import urllib.parse
import urllib.request
import urllib.robotparser
from html.parser import HTMLParser

LINK_CODES = {"broken_internal_link", "broken_external_link"}
FILE_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".jpg", ".jpeg",
            ".png", ".gif", ".mp4", ".mp3", ".xml", ".json")
UA = "LanhMangInspector/0.1.0 (+kiem tra website truong hoc; lien he Phong/So GD&DT)"

_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kw):
    # RFC 6761: every *.localhost is the loopback address (as the inspector resolves it).
    if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kw)


socket.getaddrinfo = _getaddrinfo


def manifest_sites(path, n):
    with open(path, encoding="utf-8") as f:
        return json.load(f)[:n]


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v:
                    self.hrefs.append(v)


def fetch(opener, url, timeout=15):
    req = urllib.request.Request(url, headers={"User-Agent": UA})
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.geturl(), r.headers.get("content-type", ""), r.read(5 * 1024 * 1024)
    except urllib.error.HTTPError as e:
        return e.code, url, "", b""
    except Exception:  # noqa: BLE001 - unreachable pages are simply not crawled
        return 0, url, "", b""


def same_site(a, b):
    return a.hostname == b.hostname and (a.port or default_port(a)) == (b.port or default_port(b))


def default_port(u):
    return 443 if u.scheme == "https" else 80


def normalize(u):
    return urllib.parse.urldefrag(u)[0]


def crawl_site(opener, home, max_pages, max_depth):
    status, final, ctype, body = fetch(opener, home)
    if status == 0 or status >= 400:
        return []
    base = urllib.parse.urlparse(final)
    robots = urllib.robotparser.RobotFileParser()
    _, _, _, rtext = fetch(opener, urllib.parse.urljoin(final, "/robots.txt"))
    robots.parse(rtext.decode("utf-8", "replace").splitlines())
    sitemaps = [l.split(":", 1)[1].strip() for l in rtext.decode("utf-8", "replace").splitlines()
                if l.lower().startswith("sitemap:")] or [urllib.parse.urljoin(final, "/sitemap.xml")]
    sitemap_urls = []
    for sm in sitemaps[:3]:
        st, _, _, xml = fetch(opener, sm)
        if st == 200:
            sitemap_urls += [s.strip().replace("&amp;", "&")
                             for s in re.findall(r"<loc>(.*?)</loc>", xml.decode("utf-8", "replace"), re.S)]
    seen = {normalize(final)}
    queue = []

    def push(u, depth):
        p = urllib.parse.urlparse(u)
        if depth > max_depth or p.scheme not in ("http", "https") or not same_site(p, base):
            return
        n = normalize(u)
        if n not in seen:
            seen.add(n)
            queue.append((u, depth))

    def links(url, body):
        a = Anchors()
        try:
            a.feed(body.decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001
            return []
        return [urllib.parse.urljoin(url, h.strip()) for h in a.hrefs]

    for u in links(final, body):
        push(u, 1)
    for u in sitemap_urls:
        push(u, 1)
    pages = [final]
    tried = 0
    while queue and tried < max_pages - 1:
        u, depth = queue.pop(0)
        path = urllib.parse.urlparse(u).path.lower()
        if not robots.can_fetch(UA, u) or path.endswith(FILE_EXT):
            continue
        tried += 1
        st, fin, ctype, b = fetch(opener, u)
        if 0 < st < 400 and ("html" in ctype or not ctype):
            pages.append(fin)
            for l in links(fin, b):
                push(l, depth + 1)
    return pages


def cmd_crawl(urls_file, ca, max_pages, max_depth, out):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # content is fetched whatever the certificate, as ours does
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                         urllib.request.ProxyHandler({}))
    homes = [l.strip() for l in open(urls_file, encoding="utf-8") if l.strip()]
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        results = list(ex.map(lambda h: crawl_site(opener, h, int(max_pages), int(max_depth)), homes))
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for pages in results:
            for p in pages:
                f.write(p + "\n")
                n += 1
    print(f"{n} pages on {len(homes)} sites")


def cmd_hosts(urls_file, out):
    hosts = {"fixture.localhost", "ext.fixture.localhost", "cdn.fixture.localhost"}
    hosts |= {f"nhacai-{i:02d}.fixture.localhost" for i in range(20)}
    for l in open(urls_file, encoding="utf-8"):
        if l.strip():
            hosts.add(urllib.parse.urlparse(l.strip()).hostname)
    with open(out, "w", encoding="utf-8") as f:
        for h in sorted(hosts):
            f.write(f"127.0.0.1 {h}\n")


def cmd_summary(jsonl, elapsed):
    n = pages = 0
    codes = {}
    for line in open(jsonl, encoding="utf-8"):
        r = json.loads(line)
        n += 1
        pages += r.get("pages_checked", 0)
        for f in r["findings"]:
            codes[f["code"]] = codes.get(f["code"], 0) + 1
    el = float(elapsed)
    print(json.dumps({"sites": n, "pages": pages, "elapsed_s": el,
                      "sites_per_s": round(n / el, 1) if el else None,
                      "pages_per_s": round(pages / el, 1) if el else None}))


def broken_ours(report):
    out = set()
    for f in report["findings"]:
        if f["code"] in LINK_CODES:
            out |= {u.strip() for u in f["evidence"].split(", ") if u.strip()}
    return out


def cmd_compare(manifest, linksites, ours, lychee):
    sites = [l.strip() for l in open(linksites, encoding="utf-8") if l.strip()]
    want = set()
    for s in json.load(open(manifest, encoding="utf-8")):
        if s["url"] in sites:
            want |= set(s["broken_links"])
    got = set()
    for line in open(ours, encoding="utf-8"):
        got |= broken_ours(json.loads(line))
    ly = set()
    data = json.load(open(lychee, encoding="utf-8"))
    for _src, fails in (data.get("error_map") or data.get("fail_map") or {}).items():
        for e in fails:
            ly.add(e["url"])
    norm = lambda s: {normalize(u) for u in s}
    want, got, ly = norm(want), norm(got), norm(ly)
    print(f"manifest broken links: {len(want)}")
    print(f"ours:   found {len(got & want)}/{len(want)}, extra {len(got - want)}"
          + (f" e.g. {sorted(got - want)[:3]}" if got - want else ""))
    print(f"lychee: found {len(ly & want)}/{len(want)}, extra {len(ly - want)}"
          + (f" e.g. {sorted(ly - want)[:3]}" if ly - want else ""))
    same = got == ly
    print(f"same broken links: {'yes' if same else 'no'}"
          + ("" if same else f" (only ours {len(got - ly)}, only lychee {len(ly - got)})"))
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "urls":
        sites = manifest_sites(args[0], int(args[1]))
        open(args[2], "w", encoding="utf-8").write("".join(s["url"] + "\n" for s in sites))
    elif cmd == "linksites":
        sites = [s for s in manifest_sites(args[0], int(args[1])) if set(s["defects"]) <= LINK_CODES]
        open(args[2], "w", encoding="utf-8").write("".join(s["url"] + "\n" for s in sites))
        print(f"{len(sites)} sites with only link defects or none")
    elif cmd == "crawl":
        cmd_crawl(*args)
    elif cmd == "hosts":
        cmd_hosts(*args)
    elif cmd == "summary":
        cmd_summary(*args)
    elif cmd == "compare":
        sys.exit(cmd_compare(*args))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
