"""Virtuoso Open Source 7 (Debian's ``virtuoso-opensource``) as a real store for the tests.

:class:`VirtuosoServer` writes a ``virtuoso.ini`` into a temporary directory (free loopback
ports for SQL and HTTP, the database files there, ``DirsAllowed`` that directory only, few
buffers so a fresh database starts in a few seconds), runs ``virtuoso-t +foreground`` and
stops it with SIGTERM (then SIGKILL). Queries go to ``/sparql`` (anonymous, read-only);
``hairkg load`` writes through ``/sparql-auth`` (HTTP Digest) as a user created here with
only the ``SPARQL_UPDATE`` role, its random password given to ``isql-vt`` on standard input
and to hairkg in ``HAIRKG_STORE_*`` variables, never on a command line.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["VirtuosoServer", "virtuoso_missing"]

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
NumberOfBuffers      = 2000
MaxDirtyBuffers      = 1200
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

    def __init__(self, directory: Path) -> None:
        self.directory = directory
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
            ),
            encoding="utf-8",
        )
        return ini

    def start(self, timeout: float = 60) -> None:
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
                raise AssertionError(f"virtuoso-t exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        else:
            raise AssertionError(f"Virtuoso did not answer within {timeout:g} s: {self.log_tail()}")
        self.sql(
            f"DB.DBA.USER_CREATE('{LOADER}', '{self.loader_password}');\n"
            f'GRANT SPARQL_UPDATE TO "{LOADER}";\n'
        )

    def sql(self, statements: str) -> str:
        """Run SQL through ``isql-vt`` as ``dba`` (the fresh database's own default account),
        the statements on standard input; the output, or AssertionError with it."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba"],
            input=statements.encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
        if done.returncode != 0 or "*** Error" in output:
            raise AssertionError(f"isql-vt failed: {output.replace(self.loader_password, '***')}")
        return output

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
