"""`make bench`: Làng Số under a real HTTP load generator, against the framework floor.

Creates a fresh PostgreSQL database, migrates it and loads the demo, collects static files,
starts gunicorn (2 workers) for Làng Số in production mode and for a bare Django project
(bench/floor), loads both with wrk, measures the bytes each public page costs a phone, and
writes bench/results/<date>.json, a markdown table, and the results section of
docs/benchmarks.md. Everything it starts is stopped, and the database dropped, on any exit.
"""

import argparse
import contextlib
import datetime as dt
import gzip
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import onestop, reports  # noqa: E402 - needs ROOT on the path; stdlib only at import

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DOC = ROOT / "docs" / "benchmarks.md"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgres://postgres@127.0.0.1:5432/langso_bench")
HOME_BUDGET = 14 * 1024  # bytes: what fits in TCP's first round trip (initcwnd 10 × MSS)
ACCEPT_ENCODING = "br, gzip"
DEMO_STAFF_USER = "tamdao.motcua"  # demo one-stop officer: may read the people of Tam Đảo
BUSY_WARNING = 0.10  # CPU share other processes may use during a run before it says so
DOC_BEGIN, DOC_END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"


class BenchError(Exception):
    pass


# --- tools --------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    command = ["apt-get", "install", "-y", "wrk"]
    if os.geteuid() != 0:
        raise BenchError("wrk is not installed. Install it with:\n    sudo " + " ".join(command))
    print("wrk is missing; installing the Debian package:", " ".join(command), flush=True)
    if subprocess.run(command, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(command, check=True)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get did not install wrk")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- database -----------------------------------------------------------------------------

def _admin_connection() -> Any:
    import psycopg

    url = urlsplit(DATABASE_URL)
    return psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username,
                           password=url.password, dbname="postgres", autocommit=True)


def _db_name() -> str:
    name = urlsplit(DATABASE_URL).path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise BenchError(f"unexpected benchmark database name {name!r}")
    return name


def database_recreate() -> str:
    with _admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_db_name()} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {_db_name()}")
        return str(conn.execute("SHOW server_version").fetchone()[0])


def database_drop() -> None:
    with _admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_db_name()} WITH (FORCE)")


# --- processes ----------------------------------------------------------------------------

class Servers:
    """Started gunicorn masters; each in its own process group so stopping takes the workers."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, app: str, port: int, env: dict[str, str]) -> str:
        log = (self.logdir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [GUNICORN, app, "--workers", "2", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise BenchError(f"{name} server exited:\n{self.log_tail(name)}")
            with contextlib.suppress(OSError):
                fetch(base + "/", timeout=2)
                return base
            time.sleep(0.2)
        raise BenchError(f"{name} server did not answer within 30 s:\n{self.log_tail(name)}")

    def log_tail(self, name: str) -> str:
        return (self.logdir / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- HTTP ---------------------------------------------------------------------------------

def fetch(url: str, *, headers: dict[str, str] | None = None,
          timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """GET without decoding: the body is what travels on the wire."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def decode(headers: dict[str, str], body: bytes) -> bytes:
    encoding = headers.get("content-encoding", "")
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(body))
    return body


class AssetParser(HTMLParser):
    """Collects the stylesheets, scripts and icons a page makes the browser fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if tag == "link" and values.get("href") and set(rel) & {
                "stylesheet", "icon", "preload", "modulepreload", "manifest"}:
            self.assets.append(values["href"] or "")
        elif tag == "script" and values.get("src"):
            self.assets.append(values["src"] or "")


def page_weight(base: str, path: str) -> dict[str, Any] | None:
    """Wire bytes of one page and everything it references; None if it is not public HTML."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING}
    status, response_headers, body = fetch(base + path, headers=headers)
    if status != 200 or not response_headers.get("content-type", "").startswith("text/html"):
        return {"path": path, "status": status, "public": False}
    html = decode(response_headers, body)
    import brotli

    parser = AssetParser()
    parser.feed(html.decode("utf-8", errors="replace"))
    assets, external = [], []
    for href in dict.fromkeys(parser.assets):
        url = urljoin(base + path, href)
        if not url.startswith(base):
            external.append(url)
            continue
        a_status, a_headers, a_body = fetch(url, headers=headers)
        assets.append({"url": url[len(base):], "status": a_status, "bytes": len(a_body),
                       "encoding": a_headers.get("content-encoding", "identity"),
                       "uncompressed": len(decode(a_headers, a_body)),
                       "cache_control": a_headers.get("cache-control", "")})
    header_bytes = sum(len(k) + len(v) + 4 for k, v in response_headers.items()) + 17
    total = len(body) + sum(a["bytes"] for a in assets)
    return {
        "path": path, "status": status, "public": True,
        "html": {"bytes": len(body), "uncompressed": len(html),
                 "encoding": response_headers.get("content-encoding", "identity"),
                 "brotli_q5_would_be": len(brotli.compress(html, quality=5)),
                 "cache_control": response_headers.get("cache-control", ""),
                 "vary": response_headers.get("vary", ""),
                 "sets_cookie": "set-cookie" in response_headers,
                 "header_bytes_approx": header_bytes},
        "assets": assets, "external_assets": external, "total_bytes": total,
    }


# --- load ---------------------------------------------------------------------------------

def wrk_run(wrk: str, url: str, *, seconds: int, threads: int, connections: int,
            header: str = "") -> dict[str, Any]:
    env = {**os.environ, "BENCH_HEADER": header}
    done = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
         "-s", str(BENCH / "wrk_report.lua"), url],
        env=env, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = result["duration_us"] / 1e6
    result["requests_per_second"] = round(result["requests"] / seconds_run, 1)
    return result


def measure(wrk: str, name: str, url: str, args: argparse.Namespace, servers: Servers,
            header: str = "") -> dict[str, Any]:
    check_headers = {"Accept-Encoding": ACCEPT_ENCODING}
    if header:
        key, value = header.split(":", 1)
        check_headers[key] = value.strip()
    status, headers, body = fetch(url, headers=check_headers)
    if status != 200:
        raise BenchError(f"{name}: {url} answered {status}, not 200: {body[:300]!r}")
    print(f"  {name:<12} {url}", flush=True)
    wrk_run(wrk, url, seconds=args.warmup, threads=args.threads,
            connections=args.connections, header=header)
    with CpuMeter([p.pid for p in servers.processes.values()]) as meter:
        result = wrk_run(wrk, url, seconds=args.duration, threads=args.threads,
                         connections=args.connections, header=header)
    result["cpu_others"] = meter.others
    failed = sum(result["errors"].values())
    if result["errors"]["status"]:
        raise BenchError(f"{name}: {result['errors']['status']} non-2xx answers under load")
    result.update({"name": name, "url": urlsplit(url).path + (
        f"?{urlsplit(url).query}" if urlsplit(url).query else ""),
        "response_bytes": len(body), "encoding": headers.get("content-encoding", "identity"),
        "failed": failed})
    return result


# --- the machine --------------------------------------------------------------------------

def machine(pg_version: str, wrk: str) -> dict[str, Any]:
    import django

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    os_release = Path("/etc/os-release").read_text() if Path("/etc/os-release").exists() else ""
    pretty = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', os_release, re.M)
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    gunicorn = subprocess.run([GUNICORN, "--version"], capture_output=True, text=True,
                              check=False)
    return {
        "cpu": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "os": pretty.group(1) if pretty else platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "gunicorn": gunicorn.stdout.strip() or gunicorn.stderr.strip(),
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0]
        .split(" Copyright")[0].strip(),
        "commit": _commit(),
    }


def _commit() -> str:
    """The code measured: commit, and whether the working tree differed from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=ROOT, capture_output=True, text=True, check=False).stdout
    return (head or "unknown") + (" + uncommitted changes" if dirty.strip() else "")


class CpuMeter:
    """How much of the machine's CPU other processes used during one load run.

    All busy time (/proc/stat) minus ours: the gunicorn masters and their workers, the
    PostgreSQL backends serving the benchmark database, and wrk. Another test suite or
    build on the machine shows up here and explains a slow run.
    """

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.tick = os.sysconf("SC_CLK_TCK")
        self.available = Path("/proc/stat").exists()

    @staticmethod
    def _machine() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        return sum(fields), fields[3] + fields[4]  # all ticks, idle + iowait ticks

    @staticmethod
    def _stat(pid: int) -> tuple[int, int] | None:
        """(parent pid, utime + stime) of a process, None when it is gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[1]), int(fields[11]) + int(fields[12])

    def _ours(self) -> dict[int, int]:
        stats = {int(p.name): st for p in Path("/proc").iterdir() if p.name.isdigit()
                 and (st := self._stat(int(p.name))) is not None}
        ours = set(self.roots) | _database_backends()
        grown = True
        while grown:  # the masters' descendants (workers)
            more = {pid for pid, (ppid, _t) in stats.items() if ppid in ours} - ours
            ours |= more
            grown = bool(more)
        return {pid: stats[pid][1] for pid in ours if pid in stats}

    def __enter__(self) -> "CpuMeter":
        if self.available:
            self.machine0, self.ours0 = self._machine(), self._ours()
            usage = os.times()
            self.children0 = usage.children_user + usage.children_system
        self.others = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.available or exc[0] is not None:
            return
        (total1, idle1), ours1 = self._machine(), self._ours()
        usage = os.times()
        wrk_ticks = (usage.children_user + usage.children_system - self.children0) * self.tick
        (total0, idle0) = self.machine0
        busy = (total1 - total0) - (idle1 - idle0)
        mine = sum(t - self.ours0.get(pid, 0) for pid, t in ours1.items()) + wrk_ticks
        self.others = round(max(busy - mine, 0) / max(total1 - total0, 1), 3)


def _database_backends() -> set[int]:
    """PostgreSQL backends of the benchmark database, when PostgreSQL runs on this host."""
    if urlsplit(DATABASE_URL).hostname not in ("127.0.0.1", "localhost", "::1", None):
        return set()
    with _admin_connection() as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                            [_db_name()]).fetchall()
    return {int(row[0]) for row in rows}


# --- report -------------------------------------------------------------------------------

def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def markdown(results: dict[str, Any]) -> str:
    m, load = results["machine"], results["load"]
    busiest = max(r.get("cpu_others", 0.0) for r in load.values())
    lines = [
        f"Run on {results['date']} at commit {m['commit']} — {m['cpu']}, {m['cores']} cores, "
        f"{m['ram_gib']} GiB RAM, "
        f"{m['os']}; Python {m['python']}, Django {m['django']}, "
        f"PostgreSQL {m['postgresql']}, {m['gunicorn']}, {m['wrk']}.",
        *(["", f"**Other processes on the machine used up to {busiest:.0%} of its CPU during "
            "a run (column \"others\"): throughput here is a lower bound; rerun on a quiet "
            "machine before comparing with earlier results.**"] if busiest > BUSY_WARNING
          else []),
        "",
        f"Load: wrk, {results['settings']['threads']} threads, "
        f"{results['settings']['connections']} connections, {results['settings']['duration']} s "
        f"per target after a {results['settings']['warmup']} s warm-up; gunicorn with 2 sync "
        "workers; `Accept-Encoding: br, gzip`; wrk, gunicorn and PostgreSQL share the machine. "
        "*others*: the share of the machine's CPU other processes used during that run.",
        "",
        "| target | URL | req/s | p50 | p99 | vs floor | response | others |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    floor = load["floor"]["requests_per_second"]
    for name, r in load.items():
        ratio = "1" if name == "floor" else f"{r['requests_per_second'] / floor:.2f}"
        lines.append(
            f"| {name} | `{r['url']}` | {r['requests_per_second']:,.0f} | "
            f"{r['latency_us']['p50'] / 1000:.1f} ms | {r['latency_us']['p99'] / 1000:.1f} ms | "
            f"{ratio} | {r['response_bytes']:,} B {r['encoding']} | "
            f"{r.get('cpu_others', 0.0):.0%} |")
    lines += [
        "",
        "Bytes a first visit costs (compressed body bytes on the wire, `Accept-Encoding: br, "
        "gzip`; response headers and TLS not counted). Budget for the home page: "
        f"{_kb(HOME_BUDGET)}.",
        "",
        "| page | HTML (uncompressed) | HTML if Brotli q5 | CSS + JS | total | budget |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for page in results["pages"]:
        if not page["public"]:
            continue
        html = page["html"]
        assets = sum(a["bytes"] for a in page["assets"])
        encodings = ", ".join(sorted({a["encoding"] for a in page["assets"]})) or "—"
        verdict = ""
        if page["path"] == "/":
            ok = page["total_bytes"] <= HOME_BUDGET
            verdict = ("within" if ok else "OVER") + f" {_kb(HOME_BUDGET)}"
        lines.append(
            f"| `{page['path']}` | {html['bytes']:,} B {html['encoding']} "
            f"({html['uncompressed']:,} B) | {html['brotli_q5_would_be']:,} B | "
            f"{assets:,} B ({encodings}) | {page['total_bytes']:,} B | {verdict} |")
    caching = sorted({a["cache_control"] for p in results["pages"] if p["public"]
                      for a in p["assets"]})
    if caching:
        lines += ["", "Static files answer with `Cache-Control: " + "` / `".join(caching)
                  + "`: a repeat visit costs only the HTML."]
    cookies = [p["path"] for p in results["pages"] if p["public"] and p["html"]["sets_cookie"]]
    if cookies:
        lines += ["", "Pages that set a cookie for an anonymous visitor (so no shared cache "
                  "may keep them): " + ", ".join(f"`{c}`" for c in cookies) + "."]
    hidden = [p for p in results["pages"] if not p["public"]]
    if hidden:
        lines += ["", "Routes tried anonymously that are not public pages: " + ", ".join(
            f"`{p['path']}` ({p['status']})" for p in hidden) + "."]
    if results["skipped_routes"]:
        lines += ["", "Routes with parameters the benchmark cannot fill (not measured): "
                  + ", ".join(f"`{r['template']}`" for r in results["skipped_routes"]) + "."]
    status = load.get("status")
    if status:
        unkept = load.get("status_unkept")
        status = {**status, "ratio": status["requests_per_second"] / floor,
                  "steps": results["onestop"]["status_dossier"]["steps"],
                  "unkept_ratio": unkept and unkept["requests_per_second"] / floor,
                  "unkept_rps": unkept and unkept["requests_per_second"]}
    lines += ["", onestop.markdown(results["onestop"]["data"], status)]
    lines += ["", reports.markdown(results.get("reports", {}))]
    return "\n".join(lines)


def onestop_run(env: dict[str, str], *args: str, script: str = "onestop.py") -> dict[str, Any]:
    """``bench/<script> <args>`` (onestop.py, reports.py): its progress goes to the
    terminal, its result is the ``BENCH_JSON`` line it prints."""
    done = subprocess.run([PYTHON, str(BENCH / script), *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"bench/{script} {' '.join(args)} failed:\n{done.stdout[-3000:]}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    return result


def update_doc(table: str) -> None:
    if not DOC.exists():
        print(f"{DOC} is missing; results not written there.")
        return
    text = DOC.read_text()
    if DOC_BEGIN not in text or DOC_END not in text:
        print(f"{DOC} has no {DOC_BEGIN} … {DOC_END} section; results not written there.")
        return
    head, rest = text.split(DOC_BEGIN, 1)
    _old, tail = rest.split(DOC_END, 1)
    DOC.write_text(f"{head}{DOC_BEGIN}\n{table}\n{DOC_END}{tail}")


# --- main ---------------------------------------------------------------------------------

def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per target")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-doc", action="store_true", help="do not update benchmarks.md")
    parser.add_argument("--no-onestop-data", action="store_true",
                        help="skip the one-stop data benchmarks (worklist, statistics, PDFs)")
    parser.add_argument("--onestop-dossiers", type=int, default=1_000_000)
    parser.add_argument("--onestop-open", type=int, default=100_000)
    parser.add_argument("--no-reports-data", action="store_true",
                        help="skip the field-report benchmarks (submit, map, nearby, list)")
    parser.add_argument("--reports", type=int, default=100_000,
                        help="reports in the field-report data set")
    args = parser.parse_args()
    # Also SIGINT: a shell starting us in the background would have it ignored, and
    # Python then installs no KeyboardInterrupt handler of its own.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="langso-bench-"))
    servers = Servers(tmp)
    db_created = False
    try:
        wrk = ensure_wrk()
        env = {k: v for k, v in os.environ.items() if k not in {
            "REDIS_URL", "TASK_QUEUE", "MEDIA_STORAGE", "LANGSO_DEFAULT_COMMUNE", "OIDC_ENABLED"}}
        env.update({
            "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT),
            "DATABASE_URL": DATABASE_URL, "LANGSO_DEBUG": "0", "LANGSO_DEMO": "1",
            "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0", "BENCH_STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
            # Receipts are signed: the development CA, generated in the temporary directory.
            "SIGNING_KEY_BACKEND": "dev", "SIGNING_DEV_DIR": str(tmp / "signing"),
        })
        print(f"Database {DATABASE_URL} (drop + create, migrate, demo) …", flush=True)
        db_created = True  # from here on, drop it on the way out (DROP … IF EXISTS)
        pg_version = database_recreate()
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "createcachetable")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--no-input", "-v0")
        token_out = manage(env, "drf_create_token", DEMO_STAFF_USER)
        token_match = re.search(r"token (\w+) for", token_out)
        if not token_match:
            raise BenchError(f"no token in: {token_out}")
        routes_out = subprocess.run([PYTHON, str(BENCH / "routes.py")], cwd=ROOT, env=env,
                                    capture_output=True, text=True, check=False)
        if routes_out.returncode != 0:
            raise BenchError(f"bench/routes.py failed:\n{routes_out.stderr}")
        routes = json.loads(routes_out.stdout)
        status_dossier = onestop_run(env, "status-dossier")

        print("Starting gunicorn (2 workers each): Làng Số and the floor …", flush=True)
        app = servers.start("langso", "langso.wsgi:application", free_port(), env)
        floor_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
        floor = servers.start("floor", "bench.floor.wsgi:application", free_port(), floor_env)

        print("Page weight of every public page …", flush=True)
        pages = []
        for candidate in routes["candidates"]:
            page = page_weight(app, candidate["path"])
            if page is not None:
                page["route"] = candidate["name"]
                pages.append(page)

        host = machine(pg_version, wrk)
        print(f"Load ({args.warmup} s warm-up + {args.duration} s each):", flush=True)
        load = {
            "floor": measure(wrk, "floor", floor + "/", args, servers),
            "home": measure(wrk, "home", app + "/", args, servers),
            "api_public": measure(wrk, "api_public", app + "/api/v1/communes/", args, servers),
            "api_auth": measure(wrk, "api_auth", app + "/api/v1/people/?page=1", args,
                                servers, header=f"Authorization: Token {token_match.group(1)}"),
        }
        status_url = app + status_dossier["path"]
        answer = fetch(status_url)[0]
        if answer == 200:
            load["status"] = measure(wrk, "status", status_url, args, servers)
            # A session cookie bypasses the kept pages (status_cache): every request goes
            # the whole way (middleware, two queries, template), as a page's first view does.
            load["status_unkept"] = measure(wrk, "status_unkept", status_url, args, servers,
                                            header="Cookie: sessionid=bench-not-a-session")
        else:
            print(f"  status       {status_url} answered {answer}: not measured", flush=True)
        onestop_data: dict[str, Any] = {}
        if not args.no_onestop_data:
            print("One-stop data benchmarks (worklist, statistics, PDF receipts) …", flush=True)
            onestop_data = onestop_run(
                env, "measure", "--database", onestop.dataset_url(DATABASE_URL),
                "--dossiers", str(args.onestop_dossiers), "--open", str(args.onestop_open))
        reports_data: dict[str, Any] = {}
        if not args.no_reports_data:
            print("Field-report benchmarks (submit with photos, map, nearby, list) …",
                  flush=True)
            reports_data = onestop_run(
                env, "measure", "--database", reports.dataset_url(DATABASE_URL),
                "--reports", str(args.reports), script="reports.py")
        floor_rps = load["floor"]["requests_per_second"]
        results = {
            "date": dt.date.today().isoformat(),
            "machine": host,
            "settings": {"duration": args.duration, "warmup": args.warmup,
                         "threads": args.threads, "connections": args.connections,
                         "gunicorn_workers": 2, "accept_encoding": ACCEPT_ENCODING,
                         "home_budget_bytes": HOME_BUDGET},
            "load": load,
            "ratios_to_floor": {name: round(r["requests_per_second"] / floor_rps, 3)
                                for name, r in load.items() if name != "floor"},
            "pages": pages,
            "skipped_routes": routes["skipped"],
            "onestop": {"status_dossier": status_dossier, "data": onestop_data},
            "reports": reports_data,
        }
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{results['date']}.json"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        table = markdown(results)
        print("\n" + table + "\n")
        print(f"Results: {out.relative_to(ROOT)}")
        if not args.no_doc:
            update_doc(table)
            print(f"Updated {DOC.relative_to(ROOT)}")
        home = next((p for p in pages if p["path"] == "/" and p["public"]), None)
        if home and home["total_bytes"] > HOME_BUDGET:
            print(f"Home page is over its budget: {home['total_bytes']:,} B > {HOME_BUDGET:,} B")
            return 1
        return 0
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted, cleaning up", file=sys.stderr)
        return 130
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not stop clean-up
        servers.stop_all()
        if db_created:
            try:
                database_drop()
            except Exception as exc:  # report it and go on cleaning up
                print(f"bench: could not drop the database: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"bench: {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
