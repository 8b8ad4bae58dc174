"""Virtuoso Open Source 7 (Debian's ``virtuoso-opensource``) as a real store, on loopback.

Shared by the tests (``tests/conftest.py``, ``tests/test_remote_store.py``) and the benchmarks
(``bench/remote_bench.py``), as ``scripts/replicas.py`` is for Oxigraph's server.
:class:`VirtuosoServer` writes a ``virtuoso.ini`` into a directory of its own (free loopback
ports for SQL and HTTP, the database files there, ``DirsAllowed`` that directory only, few
buffers by default so a fresh database starts in a few seconds), runs ``virtuoso-t
+foreground`` and stops it with SIGTERM (then SIGKILL). Queries go to ``/sparql`` (anonymous,
read-only); ``hairkg load`` writes through ``/sparql-auth`` (HTTP Digest) as a user created
here with only the ``SPARQL_UPDATE`` role, its random password given to ``isql-vt`` on
standard input and to hairkg in ``HAIRKG_STORE_*`` variables, never on a command line.
Big files go in with Virtuoso's own bulk loader (:meth:`VirtuosoServer.bulk_load`).
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

__all__ = ["RESULT_SET_MAX_ROWS", "VirtuosoServer", "virtuoso_missing"]

#: The rows Virtuoso returns at most for one SELECT: Debian's ``virtuoso.ini`` default, kept
#: so that the tests meet the cap a stock installation has.
RESULT_SET_MAX_ROWS = 10_000
LOADER = "hairkg_loader"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot be used here, or None when ``virtuoso-t`` and ``isql-vt`` exist."""
    missing = [name for name in ("virtuoso-t", "isql-vt") if shutil.which(name) is None]
    if missing:
        return (
            f"Virtuoso is not installed ({', '.join(missing)} not found; Debian: apt-get install "
            "virtuoso-opensource, or scripts/setup-system.sh); Virtuoso store untested"
        )
    return None


_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = {dir}
AllowOSCalls         = 0
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty_buffers}
MaxQueryMem          = 200M
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
MaxClientConnections = 8
ServerThreads        = 8
EnabledDavVSP        = 0
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


class VirtuosoServer:
    """``virtuoso-t`` on free loopback ports, its database in ``directory``."""

    def __init__(self, directory: Path, buffers: int = 2000) -> None:
        """``buffers``: Virtuoso's page cache in 8 KiB pages (``NumberOfBuffers``); the
        default, 16 MiB, starts fast and holds the shipped graph; about 100,000 (800 MiB)
        keep a million-triple load in memory."""
        self.directory = directory
        self.buffers = buffers
        self.sql_port = _free_port()
        self.http_port = _free_port()
        self.loader_password = secrets.token_urlsafe(18)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    @property
    def loader_environment(self) -> dict[str, str]:
        """The ``HAIRKG_STORE_*`` variables with which ``hairkg load`` may write."""
        return {
            "HAIRKG_STORE_USER": LOADER,
            "HAIRKG_STORE_PASSWORD": self.loader_password,
            "HAIRKG_STORE_AUTH": "digest",
        }

    def write_configuration(self) -> Path:
        ini = self.directory / "virtuoso.ini"
        ini.write_text(
            _INI.format(
                dir=self.directory,
                sql_port=self.sql_port,
                http_port=self.http_port,
                max_rows=RESULT_SET_MAX_ROWS,
                buffers=self.buffers,
                dirty_buffers=self.buffers * 3 // 5,
            ),
            encoding="utf-8",
        )
        return ini

    def start(self, timeout: float = 60) -> None:
        """Start on a fresh database and create the loader's user."""
        self._launch(timeout)
        self.sql(
            f"DB.DBA.USER_CREATE('{LOADER}', '{self.loader_password}');\n"
            f'GRANT SPARQL_UPDATE TO "{LOADER}";\n'
        )

    def restart(self, timeout: float = 60) -> None:
        """Stop and start again on the same database and ports.

        After a load, Virtuoso 7.2.5 keeps planning queries with the index samples it took
        while the store was nearly empty: measured with 3,000 synthetic triples, a
        competency question (cq10) then ran past 30 s and another (cq09) found 1 row, where
        after a restart they take 0.4 s and find 26, as the embedded store does.
        """
        self.stop()
        self._launch(timeout)

    def _launch(self, timeout: float) -> None:
        ini = self.write_configuration()
        self.process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(ini)],
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited: {self.log_tail()}")
            try:
                probe = self.query_url + "?query=ASK%7B%7D"  # http://127.0.0.1:PORT, ours
                with urllib.request.urlopen(probe, timeout=5):  # noqa: S310
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        else:
            raise RuntimeError(f"Virtuoso did not answer within {timeout:g} s: {self.log_tail()}")

    def sql(self, statements: str, timeout: float = 60) -> str:
        """Run SQL through ``isql-vt`` as ``dba`` (the fresh database's own default account),
        the statements on standard input; the output, or RuntimeError with it."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba"],
            input=statements.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed: {output.replace(self.loader_password, '***')}")
        return output

    def bulk_load(self, files: Mapping[Path, str], timeout: float = 1800) -> None:
        """Load N-Triples files (each into its graph IRI) with Virtuoso's bulk loader.

        ``ld_add`` + ``rdf_loader_run()`` + ``checkpoint``, as ``dba``: much faster than
        SPARQL ``INSERT DATA`` for big files. The files must lie in :attr:`directory` (the
        only one ``DirsAllowed`` names). Raises RuntimeError naming a file the loader
        reported an error for.
        """
        statements = []
        for path, graph in files.items():
            if path.resolve().parent != self.directory.resolve():
                raise ValueError(f"{path} is not in {self.directory}, the one allowed directory")
            for value in (str(path.resolve()), graph):
                if "'" in value:
                    raise ValueError(f"a quote in {value!r}")
            statements.append(f"ld_add('{path.resolve()}', '{graph}');")
        statements += [
            "rdf_loader_run();",
            "checkpoint;",
            "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;",
        ]
        output = self.sql("\n".join(statements) + "\n", timeout=timeout)
        if "0 Rows." not in output.rsplit("SELECT", 1)[-1]:
            raise RuntimeError(f"Virtuoso's bulk loader reported an error:\n{output[-2000:]}")

    def log_tail(self, lines: int = 15) -> str:
        log = self.directory / "virtuoso.log"
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
