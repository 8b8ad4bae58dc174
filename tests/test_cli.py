"""The ``hairkg`` command as a user runs it: a real process, exit codes, no tracebacks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def run_hairkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hairkg", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_stats_prints_graphs_and_classes() -> None:
    result = run_hairkg("stats")
    assert result.returncode == 0, result.stderr
    for graph in ("ontology", "imports", "data", "mappings", "inferred"):
        assert f"\n{graph} " in result.stdout
    assert "hkg:Study " in result.stdout
    assert "hkg:Claim " in result.stdout


def test_malformed_file_exits_2_with_file_and_line() -> None:
    bad = FIXTURES / "bad_syntax.ttl"
    result = run_hairkg("stats", "--data", str(bad))
    assert result.returncode == 2
    assert f"{bad}:6:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_file_exits_2() -> None:
    result = run_hairkg("stats", "--data", "/nonexistent/file.ttl")
    assert result.returncode == 2
    assert "cannot read file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run_hairkg("frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_fmt_check_reports_a_non_canonical_file(tmp_path: Path) -> None:
    path = tmp_path / "messy.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\nex:b ex:p 1 . ex:a ex:p 2 .\n", encoding="utf-8"
    )
    result = run_hairkg("fmt", "--check", str(path))
    assert result.returncode == 1
    assert "would reformat" in result.stdout
    assert run_hairkg("fmt", str(path)).returncode == 0
    assert run_hairkg("fmt", "--check", str(path)).returncode == 0
    assert path.read_text(encoding="utf-8").index("ex:a") < path.read_text().index("ex:b")


# --- hairkg query: the endpoint's checks and writers on the command line ---


def _query_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_query_prints_sparql_tsv(tmp_path: Path) -> None:
    path = _query_file(tmp_path, 'SELECT ?x WHERE { BIND("a\\tb\\nc" AS ?x) }')
    result = run_hairkg("query", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == '?x\n"a\\tb\\nc"\n'  # one row: tab and newline escaped


def test_query_ask_and_formats(tmp_path: Path) -> None:
    ask = run_hairkg("query", _query_file(tmp_path, "ASK { ?s a ?type }"), "--format", "json")
    assert ask.returncode == 0, ask.stderr
    assert '"boolean":true' in ask.stdout.replace(" ", "")
    construct = _query_file(tmp_path, "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 3")
    triples = run_hairkg("query", construct, "--format", "nt")
    assert triples.returncode == 0, triples.stderr
    assert len(triples.stdout.splitlines()) == 3
    assert all(line.endswith(" .") for line in triples.stdout.splitlines())


def test_query_refuses_service_without_connecting(tmp_path: Path) -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        path = _query_file(
            tmp_path,
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        )
        result = run_hairkg("query", path)
        try:
            connection, _ = listener.accept()
            connection.close()
            connected = True
        except TimeoutError:
            connected = False
    assert not connected
    assert result.returncode == 2
    assert "SERVICE is not allowed" in result.stderr


def test_query_errors_are_one_line(tmp_path: Path) -> None:
    for text, expected in (
        ("SELECT * WHERE { ?s ?p }", "SPARQL syntax error"),
        ("DELETE WHERE { ?s ?p ?o }", "read-only"),
    ):
        path = _query_file(tmp_path, text)
        result = run_hairkg("query", path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"hairkg: error: {path}: ")
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
    assert "unknown result format" in run_hairkg("query", "cq05", "--format", "yaml").stderr


def test_a_closed_pipe_ends_quietly() -> None:
    """``hairkg stats | head -1``: no "internal error", the exit status of a SIGPIPE."""
    read_end, write_end = os.pipe()
    with subprocess.Popen(
        [sys.executable, "-m", "hairkg", "stats"], stdout=write_end, stderr=subprocess.PIPE
    ) as process:
        os.close(write_end)
        os.close(read_end)  # the reader is gone before the command writes its first line
        assert process.stderr is not None
        stderr = process.stderr.read().decode()
        assert process.wait(120) == 141, stderr
    assert "error" not in stderr


def test_serve_on_a_busy_port_says_so_before_loading() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "hairkg", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    # refused without waiting for the store host, which is stopped: nothing was validated
    assert "validation:" not in result.stdout
    # and the host, finding nobody to report to, ends quietly (no traceback of its own)
    assert "Traceback" not in result.stderr, result.stderr


def test_validate_names_its_engines_without_importing_them_to_build_the_parser() -> None:
    result = run_hairkg("validate", "--engine", "nope")
    assert result.returncode == 2
    assert "invalid choice: 'nope' (choose from 'pyshacl', 'turbo')" in result.stderr


def test_query_takes_a_string_stdin_and_options_before_the_name(tmp_path: Path) -> None:
    # prefixes of the project need no PREFIX line, as in the query editor
    string = run_hairkg(
        "query", "ASK { hkr:therapy-regenera-activa a hkg:Therapy }", "--format", "json"
    )
    assert string.returncode == 0, string.stderr
    assert '"boolean":true' in string.stdout.replace(" ", "")
    piped = subprocess.run(
        [sys.executable, "-m", "hairkg", "query", "-", "--format", "csv"],
        input="SELECT ?s WHERE { ?s a hkg:Study } LIMIT 2",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines()[0] == "s" and len(piped.stdout.splitlines()) == 3
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "<http://example.org/t> a <https://w3id.org/hairkg/ontology/Study> .\n", encoding="utf-8"
    )
    # --data takes several files; the query named after it is still the query
    result = run_hairkg(
        "query",
        "--data",
        str(extra),
        "SELECT (COUNT(?s) AS ?n) { ?s a hkg:Study }",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    shipped = run_hairkg("query", "SELECT (COUNT(?s) AS ?n) { ?s a hkg:Study }", "--format", "csv")
    assert int(result.stdout.split()[1]) == int(shipped.stdout.split()[1]) + 1


def test_query_table_and_missing_inputs(tmp_path: Path) -> None:
    table = run_hairkg("query", "cq03", "--format", "table")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert set(lines[1]) <= {"-", " "} and lines[-1].endswith("rows)")
    assert "hkr:" in table.stdout  # IRIs as prefixed names
    missing = run_hairkg("query", str(tmp_path / "nothing.rq"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert "no query given" in run_hairkg("query").stderr


def test_syntax_errors_are_short_and_point_at_the_line(tmp_path: Path) -> None:
    path = _query_file(tmp_path, "SELECT * WHERE {\n  ?s a ex:Therapy .\n}\n")
    result = run_hairkg("query", path)
    assert result.returncode == 2
    assert "line 2, column" in result.stderr and "undefined prefix ex:" in result.stderr
    assert "\\u{" not in result.stderr and len(result.stderr.splitlines()) <= 2


def test_load_reads_data_files_as_serve_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `hairkg load` puts into the store what `hairkg serve --data` serves: the operator's files
    # at any size (HAIRKG_DATA_MAX_MB, if set, caps them), not under the cap that protects
    # `hairkg validate` from uploads, which refused the benchmarks' 1M-triple file
    import hairkg.graph.loading
    from hairkg.cli import main

    data = tmp_path / "data.nt"
    with data.open("w", encoding="utf-8") as out:
        for i in range(12_000):
            out.write(f'<urn:x:s{i}> <urn:x:p> "{"x" * 100}" .\n')
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    arguments = ["load", "--store", "sparql", "--data", str(data)]
    arguments += ["--store-query-url", f"http://127.0.0.1:{port}/query"]
    arguments += ["--store-update-url", f"http://127.0.0.1:{port}/update"]
    monkeypatch.setenv("HAIRKG_DATA_MAX_MB", "1")
    assert main(arguments) == 2
    refusal = capsys.readouterr().err
    assert "more than the limit of 1048576 bytes" in refusal
    assert "; HAIRKG_DATA_MAX_MB sets the limit (0: none)" in refusal  # what to do about it
    monkeypatch.delenv("HAIRKG_DATA_MAX_MB")
    monkeypatch.setattr(hairkg.graph.loading, "DEFAULT_MAX_FILE_BYTES", 1024)
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert "not reachable" in error, error  # the file was read; only the store is missing
