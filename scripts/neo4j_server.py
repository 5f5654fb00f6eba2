#!/usr/bin/env python3
"""Run a local Neo4j 5.26 Community server for peermap's tests and for trying it.

No Docker and no tarball: the server's jars come from Maven Central
(``scripts/neo4j/pom.xml``, copied into ``.neo4j/lib`` by Maven once), and the
server runs as one ``java`` process (``org.neo4j.server.CommunityEntryPoint``)
in the background, on 127.0.0.1 only, with HTTP off and authentication on.

Everything lives in ``.neo4j/`` at the top of the repository (git-ignored)::

    .neo4j/lib/            the server's jars (cached; delete to re-download)
    .neo4j/plugins/        the Graph Data Science plugin's own jars (cached likewise)
    .neo4j/conf/neo4j.conf written on every start
    .neo4j/data/           the databases and transaction logs
    .neo4j/logs/           neo4j.log, debug.log, console.log (stdout/stderr)
    .neo4j/password        the generated password of user ``neo4j`` (mode 600)
    .neo4j/port            the Bolt port, reused on the next start
    .neo4j/neo4j.pid       the server's process id while it runs
    .neo4j/classes/        the classes a start loads, recorded once (Java's class data sharing)

Examples::

    eval "$(python scripts/neo4j_server.py start)"   # sets NEO4J_URI/USER/PASSWORD
    python scripts/neo4j_server.py status
    python scripts/neo4j_server.py env               # the export lines again
    python scripts/neo4j_server.py stop
    python scripts/neo4j_server.py kill              # SIGKILL: simulate a crash
    python scripts/neo4j_server.py reset             # stop, delete data and password

Everything under ``.neo4j/`` is readable by its owner only (SCHEMA.md: "the
local Neo4j store likewise"): the transaction logs hold raw notes. The script
runs with umask 077, which the server and Maven inherit, so what they make is
0600/0700, and every start sets what is already there to 0600/0700 (a store
made before this rule, a file copied in).

``start`` prints exactly three ``export`` lines on stdout; every progress or
error message goes to stderr. Only the standard library is needed; the
``neo4j`` Python driver, when installed, is used to check that the server
really answers a query (otherwise a Bolt handshake is checked).

Environment: ``JAVA_HOME`` (else ``java`` on PATH), ``MVN`` (else ``mvn``),
``PEERMAP_NEO4J_DIR`` (instead of ``.neo4j``), ``PEERMAP_NEO4J_GDS=0`` (a server without the Graph Data
Science plugin, as most servers are: a test checks what ``--engine gds`` says to one).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "scripts" / "neo4j" / "pom.xml"
GDS_POM = ROOT / "scripts" / "neo4j" / "gds-pom.xml"
HOME = Path(os.environ.get("PEERMAP_NEO4J_DIR") or ROOT / ".neo4j").resolve()
WITH_GDS = os.environ.get("PEERMAP_NEO4J_GDS", "1") != "0"
LIB = HOME / "lib"
CONF_DIR = HOME / "conf"
DATA = HOME / "data"
LOGS = HOME / "logs"
RUN = HOME / "run"
IMPORT = HOME / "import"
PLUGINS = HOME / "plugins"
PASSWORD_FILE = HOME / "password"
PORT_FILE = HOME / "port"
PID_FILE = HOME / "neo4j.pid"
CLASSES = HOME / "classes"
CONSOLE_LOG = LOGS / "console.log"
LIB_MARKER = LIB / ".complete"
PLUGINS_MARKER = PLUGINS / ".complete"

USER = "neo4j"
HOST = "127.0.0.1"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_COMMAND = "org.neo4j.server.startup.Neo4jAdminCommand"

# The JVM flags Neo4j's own launcher adds from its default neo4j.conf
# (server.jvm.additional) that matter here; heap size is added separately.
JVM_FLAGS = [
    "-Dfile.encoding=UTF-8",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
]


class ServerError(Exception):
    """Something went wrong; the message is for the user."""


def say(message: str) -> None:
    """Progress goes to stderr, so that stdout can be eval'ed by a shell."""
    print(f"neo4j_server: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- #
# Assembly (Maven)


def pom_property(pom: Path, name: str) -> str:
    """A version pinned as a <properties> entry of one of scripts/neo4j's poms."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    try:
        node = ET.parse(pom).getroot().find(f"m:properties/m:{name}", ns)
    except (OSError, ET.ParseError) as exc:
        raise ServerError(f"cannot read {pom}: {exc}") from None
    if node is None or not (node.text or "").strip():
        raise ServerError(f"no <{name}> property in {pom}")
    return node.text.strip()


def neo4j_version() -> str:
    """The Neo4j version pinned in scripts/neo4j/pom.xml."""
    return pom_property(POM, "neo4j.version")


def gds_version() -> str:
    """The Graph Data Science version pinned in scripts/neo4j/gds-pom.xml."""
    return pom_property(GDS_POM, "gds.version")


def lib_is_complete(version: str) -> bool:
    return (
        LIB_MARKER.is_file()
        and LIB_MARKER.read_text().strip() == version
        and (LIB / f"neo4j-{version}.jar").is_file()
        and (LIB / f"neo4j-server-{version}.jar").is_file()
    )


def maven(pom: Path, *goal: str) -> None:
    """Run Maven quietly on one of scripts/neo4j's poms; its output is shown only when it fails."""
    mvn = os.environ.get("MVN") or shutil.which("mvn")
    if not mvn:
        raise ServerError("Maven (mvn) is needed once to download Neo4j's jars; install it or set MVN")
    cmd = [mvn, "-q", "-B", "-f", str(pom), *goal]
    # stdout is for the export lines, so Maven's output is kept here.
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    if proc.returncode != 0:
        output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout).strip()
        raise ServerError(
            f"Maven failed (exit {proc.returncode}): {shlex.join(cmd)}\n{output[-4000:]}\n"
            "Maven Central must be reachable (or a mirror set in ~/.m2/settings.xml)."
        )


def assemble(version: str) -> None:
    """Copy the server's runtime jars from Maven Central into .neo4j/lib, once."""
    if lib_is_complete(version):
        return
    staging = HOME / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    say(f"downloading Neo4j {version} Community from Maven Central into {LIB} (once) ...")
    started = time.monotonic()
    try:
        maven(POM, "dependency:copy-dependencies", f"-DoutputDirectory={staging}")
        if not (staging / f"neo4j-{version}.jar").is_file():
            raise ServerError(f"Maven did not give neo4j-{version}.jar ({POM})")
    except ServerError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(LIB, ignore_errors=True)
    staging.rename(LIB)
    LIB_MARKER.write_text(version + "\n")
    jars = list(LIB.glob("*.jar"))
    size = sum(j.stat().st_size for j in jars) / 2**20
    say(f"assembled {len(jars)} jars ({size:.0f} MiB) in {time.monotonic() - started:.1f}s")


def runtime_artifacts(pom: Path) -> dict[str, Path]:
    """``group:artifact`` → the jar in the local Maven repository, for a pom's runtime dependencies."""
    listing = HOME / f"{pom.stem}.artifacts"
    try:
        maven(
            pom,
            "dependency:list",
            "-DincludeScope=runtime",
            "-DoutputAbsoluteArtifactFilename=true",
            f"-DoutputFile={listing}",
        )
        lines = listing.read_text().splitlines()
    finally:
        listing.unlink(missing_ok=True)
    artifacts = {}
    for line in lines:
        # "   org.neo4j.gds:proc:jar:2.13.9:compile:/root/.m2/.../proc-2.13.9.jar -- module ..."
        fields = line.strip().split(" -- ")[0].split(":")
        if len(fields) >= 6 and fields[2] == "jar":
            artifacts[f"{fields[0]}:{fields[1]}"] = Path(fields[-1])
    return artifacts


def plugins_stamp(neo4j: str, gds: str) -> str:
    """What .neo4j/plugins was made from: both versions and the GDS pom's digest (a changed pom re-assembles)."""
    return f"{neo4j} {gds} {hashlib.sha256(GDS_POM.read_bytes()).hexdigest()[:16]}"


def plugins_are_complete(neo4j: str, gds: str) -> bool:
    return PLUGINS_MARKER.is_file() and PLUGINS_MARKER.read_text().strip() == plugins_stamp(neo4j, gds)


def assemble_plugins(neo4j: str, gds: str) -> None:
    """Put the Graph Data Science plugin into .neo4j/plugins, once: only the jars whose group and artifact
    the server's lib/ does not hold already (the server's own version of a shared library wins, so no class
    is on the class path twice)."""
    if plugins_are_complete(neo4j, gds):
        return
    say(f"downloading Graph Data Science {gds} from Maven Central into {PLUGINS} (once) ...")
    started = time.monotonic()
    server = runtime_artifacts(POM)
    plugin = runtime_artifacts(GDS_POM)
    own = {ga: jar for ga, jar in plugin.items() if ga not in server}
    if "org.neo4j.gds:proc" not in own or not all(jar.is_file() for jar in own.values()):
        raise ServerError(f"Maven did not give the jars of org.neo4j.gds:proc {gds} ({GDS_POM})")
    staging = HOME / "plugins.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for ga, jar in sorted(own.items()):
        # group in the name: two artifacts of one name (e.g. "annotations") from two groups never collide
        shutil.copyfile(jar, staging / f"{ga.split(':')[0]}.{jar.name}")
    shutil.rmtree(PLUGINS, ignore_errors=True)
    staging.rename(PLUGINS)
    PLUGINS_MARKER.write_text(plugins_stamp(neo4j, gds) + "\n")
    size = sum(jar.stat().st_size for jar in PLUGINS.glob("*.jar")) / 2**20
    say(
        f"assembled Graph Data Science {gds}: {len(own)} jars ({size:.0f} MiB; {len(plugin) - len(own)} "
        f"already in the server's lib) in {time.monotonic() - started:.1f}s"
    )


# --------------------------------------------------------------------------- #
# Java, configuration and password


def java_binary() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if not java:
        raise ServerError("Java 17 or 21 is needed (Neo4j 5.26); set JAVA_HOME or put java on PATH")
    return java


def class_archive(java: str, program: str, folders: tuple[Path, ...]) -> Path:
    """Where the classes ``program`` loads are kept for this Java and these jars (Java's class data sharing).

    A start maps them from this archive instead of finding, reading and checking each class again: a restart
    took about 11 s without it and 5.5 to 7 s with it, measured in turns on one machine (the first load's
    restart, each test that stops the server). The name is a digest of the Java binary and of every jar's name, size
    and time, so other jars (a new Neo4j, the Graph Data Science plugin) get an archive of their own.
    """
    digest = hashlib.sha256(program.encode())
    java_path = Path(os.path.realpath(java))
    for path in [java_path, *sorted(p for folder in folders if folder.is_dir() for p in folder.glob("*.jar"))]:
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return CLASSES / f"{program}-{digest.hexdigest()[:16]}.jsa"


def class_sharing(archive: Path) -> list[str]:
    """The JVM options that map ``archive``, or, when it is not made yet, record it as the JVM exits.

    The recording goes to ``NAME.recording`` and becomes the archive only when the JVM has exited cleanly
    (:func:`keep_recorded_classes`): a JVM killed while writing it leaves nothing half made to map. A JVM that
    cannot map an archive (another Java) starts without it, as ``-Xshare:auto`` does by default.
    """
    if archive.is_file():
        return [f"-XX:SharedArchiveFile={archive}"]
    archive.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    program = archive.name.rsplit("-", 1)[0]
    for older in archive.parent.glob(f"{program}-*"):  # another Java's or other jars' (150 MB each)
        older.unlink(missing_ok=True)
    return [f"-XX:ArchiveClassesAtExit={archive.with_suffix('.recording')}"]


def keep_recorded_classes(program: str, exited_cleanly: bool) -> None:
    """After ``program``'s JVM has exited: what it recorded becomes its archive, or is thrown away."""
    for recording in CLASSES.glob(f"{program}-*.recording") if CLASSES.is_dir() else ():
        if exited_cleanly and recording.stat().st_size > 0:
            recording.replace(recording.with_suffix(".jsa"))
        else:
            recording.unlink(missing_ok=True)


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(HOME)
    env["NEO4J_CONF"] = str(CONF_DIR)
    return env


def write_config(port: int, heap: str, pagecache: str) -> None:
    for folder in (CONF_DIR, DATA, LOGS, RUN, IMPORT, PLUGINS):
        folder.mkdir(parents=True, exist_ok=True)
    config = f"""\
# Written by scripts/neo4j_server.py on every start: edit the script, not this file.
# A local Neo4j for peermap's tests: 127.0.0.1 only, Bolt only, auth on, small memory.
server.default_listen_address={HOST}
server.bolt.enabled=true
server.bolt.listen_address={HOST}:{port}
server.bolt.advertised_address={HOST}:{port}
server.bolt.tls_level=DISABLED
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=true
server.memory.heap.initial_size={heap}
server.memory.heap.max_size={heap}
server.memory.pagecache.size={pagecache}
dbms.usage_report.enabled=false
db.logs.query.enabled=OFF
# Transaction logs: no 256 MB preallocated file per database, and bounded on disk.
db.tx_log.preallocate=false
db.tx_log.rotation.size=64M
db.tx_log.rotation.retention_policy=1G size
server.directories.data={DATA}
server.directories.logs={LOGS}
server.directories.run={RUN}
server.directories.import={IMPORT}
server.directories.plugins={PLUGINS}
server.directories.lib={LIB}
# Stop in about a second instead of ten (Bolt's network threads wait for a quiet period).
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
"""
    if WITH_GDS:  # the Graph Data Science plugin's procedures need the kernel's internals (docs/neo4j.md)
        config += "dbms.security.procedures.unrestricted=gds.*\n"
    (CONF_DIR / "neo4j.conf").write_text(config)


def read_password() -> str | None:
    try:
        return PASSWORD_FILE.read_text().strip() or None
    except FileNotFoundError:
        return None


def make_password() -> str:
    """A random password: letters and digits only, starting with a letter.

    Starting with a letter keeps it from being read as a command-line option.
    """
    alphabet = string.ascii_letters + string.digits
    return secrets.choice(string.ascii_letters) + "".join(secrets.choice(alphabet) for _ in range(27))


def make_private(folder: Path) -> None:
    """Every file under ``folder`` 0600 and every folder 0700 (links are left alone: nothing is changed through one)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    os.chmod(folder, 0o700)
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root) / name
            if not path.is_symlink():
                os.chmod(path, 0o700 if name in dirs else 0o600)


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def first_start() -> bool:
    """True until the server has started once and created its system database."""
    return not (DATA / "databases" / "system").exists()


def set_initial_password(java: str) -> str:
    """Before the first start: make (or reuse) the password and hand it to Neo4j."""
    password = read_password()
    if password is None:
        password = make_password()
        write_private(PASSWORD_FILE, password + "\n")
        say(f"generated a password for user '{USER}' in {PASSWORD_FILE}")
    # The password goes in a picocli @argfile (mode 600), never on a command line
    # where `ps` would show it.
    argfile = RUN / "set-initial-password.args"
    write_private(argfile, f"dbms\nset-initial-password\n{password}\n")
    try:
        proc = subprocess.run(
            [java, "-cp", f"{LIB}/*", "-Xmx128m", ADMIN_COMMAND, f"@{argfile}"],
            env=server_env(),
            cwd=HOME,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    finally:
        argfile.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise ServerError(f"neo4j-admin dbms set-initial-password failed:\n{proc.stdout.strip()}")
    return password


# --------------------------------------------------------------------------- #
# Processes


def process_alive(pid: int) -> bool:
    """True if pid runs (a zombie left for an init that does not reap counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def is_our_server(pid: int) -> bool:
    """True if pid is a Neo4j server started on this .neo4j folder."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return process_alive(pid)  # no /proc (macOS): trust the pid file
    return ENTRY_POINT.encode() in args and f"--home-dir={HOME}".encode() in args


def find_server_pid() -> int | None:
    """The running server's pid: from the pid file, else by scanning /proc."""
    try:
        pid = int(PID_FILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        pid = None
    if pid and process_alive(pid) and is_our_server(pid):
        return pid
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                candidate = int(entry.name)
                try:
                    if is_our_server(candidate) and process_alive(candidate):
                        write_private(PID_FILE, f"{candidate}\n")
                        return candidate
                except OSError:
                    continue
    return None


def stored_port() -> int | None:
    try:
        return int(PORT_FILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free port below the range the system hands out to outgoing connections (Linux's
    ip_local_port_range), so that no connection made meanwhile (a browser's, a test's) can take the server's
    port while it is stopped for a bulk import; else any free port the system gives."""
    try:
        first = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first = 32768
    for port in random.sample(range(max(1024, first - 8000), first), 64):
        if port_is_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def choose_port(requested: int | None) -> int:
    if requested:
        if not port_is_free(requested):
            raise ServerError(f"port {requested} on {HOST} is in use; pick another with --port")
        return requested
    previous = stored_port()
    if previous and port_is_free(previous):
        return previous
    port = free_port()
    if previous:
        say(f"port {previous} is taken now; using {port}")
    return port


# Where each log ended when this start launched the server, so that an error
# shows only what this start wrote.
LOG_OFFSETS: dict[Path, int] = {}


def mark_logs() -> None:
    for path in (CONSOLE_LOG, LOGS / "neo4j.log"):
        LOG_OFFSETS[path] = path.stat().st_size if path.exists() else 0


def tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(LOG_OFFSETS.get(path, 0))
            text = handle.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return f"({path} does not exist)"
    text = [line for line in text if line.strip()]
    return "\n".join(text[-lines:]) or "(nothing written)"


def logs_tail() -> str:
    return (
        f"--- last lines of {CONSOLE_LOG} (stdout/stderr) ---\n{tail(CONSOLE_LOG, 20)}\n"
        f"--- last lines of {LOGS / 'neo4j.log'} ---\n{tail(LOGS / 'neo4j.log', 30)}\n"
        f"(more in {LOGS / 'debug.log'})"
    )


# --------------------------------------------------------------------------- #
# Readiness


def bolt_handshake(port: int, timeout: float = 2.0) -> bool:
    """True if something on the port answers the Bolt handshake with a version."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            # magic, then four proposals: 5.0-5.8, 4.4-4.2, 4.1, 3
            sock.sendall(bytes.fromhex("6060b01700080805000204040000010400000003"))
            reply = b""
            while len(reply) < 4:
                chunk = sock.recv(4 - len(reply))
                if not chunk:
                    return False
                reply += chunk
            return reply != b"\0\0\0\0"
    except OSError:
        return False


class NotReady(Exception):
    pass


def query_check(port: int, password: str) -> str:
    """Run a real query over Bolt; return 'Neo4j Kernel 5.26.x community'.

    Raises NotReady while the server is still coming up, ServerError on a
    wrong password. Falls back to a Bolt handshake without the driver.
    """
    try:
        import neo4j
        from neo4j.exceptions import AuthError, DriverError, Neo4jError
    except ImportError:
        if bolt_handshake(port):
            return "Bolt answers (install the neo4j driver for a query check)"
        raise NotReady("no Bolt handshake yet")
    try:
        with neo4j.GraphDatabase.driver(
            f"bolt://{HOST}:{port}",
            auth=(USER, password),
            connection_timeout=3,
            max_transaction_retry_time=0,
        ) as driver:
            records, _, _ = driver.execute_query(
                "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition"
            )
            driver.execute_query("RETURN 1")  # the default database answers too
            row = records[0]
            return f"{row['name']} {row['version']} {row['edition']}"
    except AuthError as exc:
        raise ServerError(
            f"the server refused the password in {PASSWORD_FILE}: {exc.message}\n"
            "If .neo4j/data was made with another password, run "
            "`python scripts/neo4j_server.py reset` (deletes the local data)."
        ) from exc
    except (Neo4jError, DriverError, OSError) as exc:
        raise NotReady(str(exc)) from exc


def wait_until_ready(pid: int, port: int, password: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        if not process_alive(pid):
            PID_FILE.unlink(missing_ok=True)
            raise ServerError(f"the Neo4j server (pid {pid}) exited while starting.\n{logs_tail()}")
        try:
            return query_check(port, password)
        except NotReady as exc:
            last = str(exc)
        if time.monotonic() > deadline:
            raise ServerError(
                f"Neo4j did not answer on bolt://{HOST}:{port} within {timeout:.0f}s "
                f"(last: {last}); it is still running as pid {pid} "
                f"(stop it with `python scripts/neo4j_server.py stop`).\n{logs_tail()}"
            )
        time.sleep(0.2)  # a restart after an import is waited for: answer as soon as it can


# --------------------------------------------------------------------------- #
# Commands


def env_lines(port: int, password: str) -> str:
    return (
        f"export NEO4J_URI={shlex.quote(f'bolt://{HOST}:{port}')}\n"
        f"export NEO4J_USER={shlex.quote(USER)}\n"
        f"export NEO4J_PASSWORD={shlex.quote(password)}\n"
    )


def running_port(pid: int) -> int | None:
    """The Bolt port of the running server, from its configuration."""
    try:
        for line in (CONF_DIR / "neo4j.conf").read_text().splitlines():
            if line.startswith("server.bolt.listen_address="):
                return int(line.rsplit(":", 1)[1])
    except (FileNotFoundError, ValueError):
        pass
    return stored_port()


@contextlib.contextmanager
def exclusive():
    """One start/stop/reset at a time (e.g. two test runs starting at once)."""
    HOME.mkdir(parents=True, exist_ok=True)
    with open(HOME / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another start/stop of this server to finish ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def cmd_start(args: argparse.Namespace) -> int:
    with exclusive():
        make_private(HOME)
        try:
            return start(args)
        finally:
            make_private(HOME)  # what Maven copied keeps the modes of its cache


def start(args: argparse.Namespace) -> int:
    pid = find_server_pid()
    if pid:
        port = running_port(pid)
        password = read_password()
        if port is None or password is None:
            raise ServerError(f"a server runs (pid {pid}) but {PORT_FILE} or {PASSWORD_FILE} is missing; stop it first")
        if args.port and args.port != port:
            raise ServerError(f"the server already runs on port {port} (pid {pid}); stop it to change the port")
        version = wait_until_ready(pid, port, password, args.timeout)
        say(f"already running: {version} on bolt://{HOST}:{port} (pid {pid})")
        sys.stdout.write(env_lines(port, password))
        return 0

    started = time.monotonic()
    version = neo4j_version()
    assemble(version)
    if WITH_GDS:
        assemble_plugins(version, gds_version())
    else:
        shutil.rmtree(PLUGINS, ignore_errors=True)
    java = java_binary()
    port = choose_port(args.port)
    write_config(port, args.heap, args.pagecache)
    write_private(PORT_FILE, f"{port}\n")
    if first_start():
        password = set_initial_password(java)
    else:
        password = read_password()
        if password is None:
            raise ServerError(
                f"{DATA} holds a database but {PASSWORD_FILE} is gone, so the password is unknown; "
                "run `python scripts/neo4j_server.py reset` to start afresh (deletes the local data)"
            )

    cmd = [
        java,
        "-cp",
        f"{LIB}/*:{PLUGINS}/*",
        f"-Xms{args.heap}",
        f"-Xmx{args.heap}",
        *JVM_FLAGS,
        *class_sharing(class_archive(java, "server", (LIB, PLUGINS))),
        ENTRY_POINT,
        f"--home-dir={HOME}",
        f"--config-dir={CONF_DIR}",
    ]
    say(f"starting Neo4j {version} on bolt://{HOST}:{port} (logs in {LOGS})")
    with open(CONSOLE_LOG, "ab") as console:
        console.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {shlex.join(cmd)}\n".encode())
        console.flush()
        mark_logs()
        # A new session, no terminal, no inherited pipes: the server outlives this
        # script, and `eval "$(... start)"` does not wait for it.
        proc = subprocess.Popen(
            cmd,
            cwd=HOME,
            env=server_env(),
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    write_private(PID_FILE, f"{proc.pid}\n")
    try:
        answer = wait_until_ready(proc.pid, port, password, args.timeout)
    except ServerError:
        if proc.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
        raise
    say(f"ready in {time.monotonic() - started:.1f}s: {answer} (pid {proc.pid})")
    sys.stdout.write(env_lines(port, password))
    return 0


def wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def cmd_stop(args: argparse.Namespace) -> int:
    with exclusive():
        return stop(args.timeout)


def stop(timeout: float) -> int:
    pid = find_server_pid()
    if not pid:
        PID_FILE.unlink(missing_ok=True)
        say("not running")
        return 0
    say(f"stopping Neo4j (pid {pid}) ...")
    os.kill(pid, signal.SIGTERM)
    cleanly = wait_for_exit(pid, timeout)
    if not cleanly:
        say(f"still running after {timeout:.0f}s: sending SIGKILL")
        os.kill(pid, signal.SIGKILL)
        wait_for_exit(pid, 30)
    keep_recorded_classes("server", cleanly)
    PID_FILE.unlink(missing_ok=True)
    say("stopped")
    return 0


def cmd_kill(args: argparse.Namespace) -> int:
    pid = find_server_pid()
    if not pid:
        PID_FILE.unlink(missing_ok=True)
        say("not running")
        return 0
    os.kill(pid, signal.SIGKILL)
    wait_for_exit(pid, 30)
    keep_recorded_classes("server", False)
    PID_FILE.unlink(missing_ok=True)
    say(f"killed Neo4j (pid {pid}) with SIGKILL; the next start recovers from the transaction log")
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    pid = find_server_pid()
    port = running_port(pid) if pid else None
    password = read_password()
    if not pid or port is None or password is None or not bolt_handshake(port):
        say("not running; start it with `make neo4j-start` or `python scripts/neo4j_server.py start`")
        return 1
    sys.stdout.write(env_lines(port, password))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    pid = find_server_pid()
    if not pid:
        print("Neo4j: not running")
        return 1
    port = running_port(pid)
    answering = port is not None and bolt_handshake(port)
    state = "running" if answering else "starting (Bolt not answering yet)"
    print(f"Neo4j: {state}, pid {pid}, bolt://{HOST}:{port}, home {HOME}")
    return 0 if answering else 1


def cmd_reset(args: argparse.Namespace) -> int:
    with exclusive():
        stop(60.0)
        for path in (DATA, LOGS, RUN):
            shutil.rmtree(path, ignore_errors=True)
        PASSWORD_FILE.unlink(missing_ok=True)
    say(f"deleted the local database, logs and password under {HOME} (kept the jars)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='example:\n  eval "$(python scripts/neo4j_server.py start)"\n  python scripts/neo4j_server.py stop',
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="assemble if needed, start, wait for Bolt, print export lines")
    start.add_argument("--port", type=int, help="Bolt port (default: the last one used, else a free one)")
    start.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for Bolt (default 180)")
    start.add_argument("--heap", default="512m", help="JVM heap (default 512m)")
    start.add_argument("--pagecache", default="256m", help="page cache (default 256m)")
    start.set_defaults(func=cmd_start)
    stop = sub.add_parser("stop", help="stop cleanly (SIGTERM, then SIGKILL after --timeout)")
    stop.add_argument("--timeout", type=float, default=60.0, help="seconds before SIGKILL (default 60)")
    stop.set_defaults(func=cmd_stop)
    sub.add_parser("kill", help="SIGKILL the server (simulates a crash)").set_defaults(func=cmd_kill)
    sub.add_parser("env", help="print the export lines of the running server").set_defaults(func=cmd_env)
    sub.add_parser("status", help="say whether the server runs (exit 0 if it answers)").set_defaults(func=cmd_status)
    sub.add_parser("reset", help="stop, then delete the local data, logs and password").set_defaults(func=cmd_reset)
    args = parser.parse_args(argv)
    os.umask(0o077)  # the server, Maven and this script make owner-only files
    try:
        return args.func(args)
    except ServerError as exc:
        say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
