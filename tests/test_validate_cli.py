"""``hairkg validate`` as a user runs it: a real process, exit codes, reports, hostile files.

Every run is a subprocess limited to 1 GiB of address space and a timeout, so a parser that
recursed, expanded entities or read a pipe would fail the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

ROOT = Path(__file__).resolve().parents[1]
#: Hostile input must be refused "within seconds": a run that has not ended after this long
#: (process start included) is a hang and fails. A hang guard, not a speed measurement.
REFUSE_WITHIN_SECONDS = 30
MEMORY_LIMIT = 1024 * 1024 * 1024

PREFIXES = """@prefix hkg: <https://w3id.org/hairkg/ontology/> .
@prefix hkr: <https://w3id.org/hairkg/resource/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
#: One defect: the Tak trial analysed nobody.
ZERO_ANALYSED_TTL = PREFIXES + "\nhkr:study-tak-2020\n    hkg:analysedCount 0 .\n"
TAK = "https://w3id.org/hairkg/resource/study-tak-2020"
ANALYSED = "https://w3id.org/hairkg/ontology/analysedCount"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def validate(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hairkg", "validate", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        preexec_fn=_limit_memory,
    )


def refused(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``validate`` on hostile input; it must exit 2, quickly, with no traceback."""
    result = validate(*args, timeout=REFUSE_WITHIN_SECONDS)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("hairkg: error: "), result.stderr
    return result


# --- exit codes and reports ---


def test_shipped_graph_conforms() -> None:
    result = validate()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\nconforms: 0 violation(s)" in result.stdout


def test_shipped_graph_passes_strict() -> None:
    result = validate("--strict")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "\nconforms: 0 violation(s), 0 warning(s)" in result.stdout


def test_strict_makes_a_warning_fail(tmp_path: Path) -> None:
    extra = tmp_path / "arms.ttl"  # two arms of 20 in a study that enrolled 38
    extra.write_text(
        PREFIXES
        + "\nhkr:arm-tak-2020-adsc-ce hkg:armSize 20 .\nhkr:arm-tak-2020-vehicle hkg:armSize 20 .\n",
        encoding="utf-8",
    )
    assert validate(extra).returncode == 0
    result = validate(extra, "--strict")
    assert result.returncode == 1, result.stdout[-3000:]
    assert (
        "does NOT conform (--strict: warnings fail): 0 violation(s), 1 warning(s)" in result.stdout
    )


def test_violation_exits_1_with_a_block_per_focus_node(tmp_path: Path) -> None:
    extra = tmp_path / "zero.ttl"
    extra.write_text(ZERO_ANALYSED_TTL, encoding="utf-8")
    result = validate(extra)
    assert result.returncode == 1, result.stderr
    block = result.stdout.split("\n\n")[0].splitlines()
    # the focus node's label and IRI, then the result: severity and message, path, value,
    # shape (and component) and the file and line of the offending triple
    assert block[0].startswith('"Tak et al. 2020: randomized')
    assert block[0].endswith(f"hkr:study-tak-2020 <{TAK}>")
    assert block[1] == "  VIOLATION: The number analysed is one xsd:integer of at least 1."
    assert block[2] == "    path:  hkg:analysedCount"
    assert block[3] == "    value: 0"
    assert block[4] == "    shape: hkgsh:StudyShape-analysedCount (MinInclusive)"
    assert block[5] == f"    at:    {extra}:6"
    assert len(block) == 6
    assert "does NOT conform: 1 violation(s)" in result.stdout


def test_json_report(tmp_path: Path) -> None:
    extra = tmp_path / "zero.ttl"
    extra.write_text(ZERO_ANALYSED_TTL, encoding="utf-8")
    result = validate(extra, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["engine"] == "turbo"
    found = [r for r in report["results"] if r["value"] == "0"]
    assert found == [
        {
            "focusNode": TAK,
            "focusLabel": found[0]["focusLabel"],
            "resultPath": ANALYSED,
            "value": "0",
            "message": "The number analysed is one xsd:integer of at least 1.",
            "severity": "Violation",
            "sourceShape": "https://w3id.org/hairkg/shapes/StudyShape-analysedCount",
            "sourceConstraintComponent": str(SH.MinInclusiveConstraintComponent),
            "location": f"{extra}:6",
        }
    ]


def test_turtle_report_is_a_shacl_validation_report(tmp_path: Path) -> None:
    extra = tmp_path / "zero.ttl"
    extra.write_text(ZERO_ANALYSED_TTL, encoding="utf-8")
    result = validate(extra, "--format", "turtle")
    assert result.returncode == 1
    report = Graph().parse(data=result.stdout, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms).toPython() is False
    components = set(report.objects(None, SH.sourceConstraintComponent))
    assert SH.MinInclusiveConstraintComponent in components


def test_reference_engine_gives_the_same_counts(tmp_path: Path) -> None:
    extra = tmp_path / "zero.ttl"
    extra.write_text(ZERO_ANALYSED_TTL, encoding="utf-8")
    runs = {
        engine: json.loads(validate(extra, "--format", "json", "--engine", engine).stdout)
        for engine in ("turbo", "pyshacl")
    }
    assert runs["pyshacl"]["engine"] == "pyshacl"
    assert runs["pyshacl"]["counts"] == runs["turbo"]["counts"]


# --- every input syntax, by extension or --input-format ---

TAK_ZERO = {
    "nt": f'<{TAK}> <{ANALYSED}> "0"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    "jsonld": json.dumps(
        {"@id": TAK, ANALYSED: {"@value": "0", "@type": "http://www.w3.org/2001/XMLSchema#integer"}}
    ),
    "rdf": '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:hkg="https://w3id.org/hairkg/ontology/">\n'
    f'  <rdf:Description rdf:about="{TAK}">\n'
    '    <hkg:analysedCount rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">0'
    "</hkg:analysedCount>\n  </rdf:Description>\n</rdf:RDF>\n",
    "trig": PREFIXES
    + "\n<https://example.org/graph> {\n    hkr:study-tak-2020 hkg:analysedCount 0 .\n}\n",
    "ttl": ZERO_ANALYSED_TTL,
}


@pytest.mark.parametrize("extension", sorted(TAK_ZERO))
def test_every_syntax_is_read_by_its_extension(tmp_path: Path, extension: str) -> None:
    extra = tmp_path / f"zero.{extension}"
    extra.write_text(TAK_ZERO[extension], encoding="utf-8")
    report = json.loads(validate(extra, "--format", "json").stdout)
    zero = [r for r in report["results"] if r["value"] == "0" and r["focusNode"] == TAK]
    assert [r["sourceConstraintComponent"] for r in zero] == [
        str(SH.MinInclusiveConstraintComponent)
    ]


def test_input_format_overrides_the_extension(tmp_path: Path) -> None:
    extra = tmp_path / "zero.txt"
    extra.write_text(ZERO_ANALYSED_TTL, encoding="utf-8")
    assert validate(extra).returncode == 2  # .txt says nothing
    assert validate(extra, "--input-format", "turtle").returncode == 1


# --- usage and parse errors: exit 2 with the file and line, never a traceback ---


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    extra = tmp_path / "broken.ttl"
    extra.write_text(PREFIXES + "\nhkr:a hkg:b hkr:c ;\n    hkg:d .\n", encoding="utf-8")
    result = refused(extra)
    assert f"{extra}:6:" in result.stderr


def test_missing_file() -> None:
    result = refused("/nonexistent/extra.ttl")
    assert "cannot read file" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = validate("--frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


# --- hostile files: refused with exit 2, quickly, in bounded memory, touching nothing ---


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port on 127.0.0.1 that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    yield server
    server.close()


def _no_connection(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe: a process that opened it for reading would block, and time out."""
    path = tmp_path / "secret.pipe"
    os.mkfifo(path)
    return path


def test_xml_external_entity_reads_no_file_and_opens_no_connection(
    tmp_path: Path, fifo: Path, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    path = tmp_path / "xxe.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [<!ENTITY file SYSTEM "file://{fifo}">\n'
        f'  <!ENTITY web SYSTEM "http://127.0.0.1:{port}/x">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        "<ex:p>&file;&web;</ex:p></rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )
    result = refused(path)
    assert "<!ENTITY" in result.stderr
    assert _no_connection(listener)


def test_xml_entity_expansion_bomb(tmp_path: Path) -> None:
    entities = ['<!ENTITY a0 "' + "x" * 10 + '">']
    entities += [f'<!ENTITY a{n} "' + f"&a{n - 1};" * 10 + '">' for n in range(1, 10)]
    path = tmp_path / "bomb.rdf"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE r [{"".join(entities)}]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        "<ex:p>&a9;</ex:p></rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )
    assert "entity" in refused(path).stderr


def test_jsonld_remote_context_opens_no_connection(tmp_path: Path, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    path = tmp_path / "remote.jsonld"
    path.write_text(
        json.dumps({"@context": f"http://127.0.0.1:{port}/context.jsonld", "@id": TAK}),
        encoding="utf-8",
    )
    assert "remote context" in refused(path).stderr
    assert _no_connection(listener)


def test_jsonld_file_context_reads_no_file(tmp_path: Path, fifo: Path) -> None:
    path = tmp_path / "local.jsonld"
    path.write_text(json.dumps({"@context": fifo.as_uri(), "@id": TAK}), encoding="utf-8")
    assert "remote context" in refused(path).stderr


@pytest.mark.parametrize(
    ("name", "opening", "closing"),
    [
        ("blank-nodes.ttl", "[ <http://example.org/p> ", " ]"),
        ("collections.ttl", "( ", " )"),
        ("triple-terms.ttl", "<<( <http://example.org/s> <http://example.org/p> ", " )>>"),
        ("triple-terms.nt", "<<( <http://example.org/s> <http://example.org/p> ", " )>>"),
    ],
)
def test_deep_nesting_is_refused_not_crashing(
    tmp_path: Path, name: str, opening: str, closing: str
) -> None:
    """100 000 levels: Oxigraph's parsers crash the process on deep triple terms."""
    depth = 100_000
    path = tmp_path / name
    path.write_text(
        "<http://example.org/s> <http://example.org/p> "
        + opening * depth
        + "<http://example.org/o>"
        + closing * depth
        + " .\n",
        encoding="utf-8",
    )
    assert "nesting deeper than 256 levels" in refused(path).stderr


def test_deep_jsonld_is_refused(tmp_path: Path) -> None:
    depth = 100_000
    path = tmp_path / "deep.jsonld"
    path.write_text(
        '{"@id": "http://example.org/s", "http://example.org/p": '
        + '{"http://example.org/p": ' * depth
        + '"x"'
        + "}" * (depth + 1),
        encoding="utf-8",
    )
    assert "nesting deeper" in refused(path).stderr


def test_deep_xml_is_refused(tmp_path: Path) -> None:
    """Oxigraph's RDF/XML parser takes minutes on 100 000 levels; the pre-check takes ms."""
    depth = 100_000
    path = tmp_path / "deep.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
        + "<ex:p><rdf:Description>" * depth
        + "<ex:q>x</ex:q>"
        + "</rdf:Description></ex:p>" * depth
        + "</rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )
    assert "nesting deeper" in refused(path).stderr


def test_literal_of_hundreds_of_megabytes_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.nt"
    with path.open("wb") as stream:  # sparse: 300 MB long, nothing written in between
        stream.write(b'<http://example.org/s> <http://example.org/p> "')
        stream.seek(300 * 1024 * 1024)
        stream.write(b'" .\n')
    assert "more than the limit" in refused(path).stderr


def test_a_file_over_the_size_limit_names_the_option_that_raises_it(tmp_path: Path) -> None:
    path = tmp_path / "big.nt"
    line = b'<http://example.org/s> <http://example.org/p> "' + b"x" * 1000 + b'" .\n'
    path.write_bytes(line * 1100)  # just over 1 MiB
    stderr = refused("--max-file-mb", "1", path).stderr
    assert "more than the limit of 1048576 bytes; --max-file-mb MB raises the limit" in stderr


def test_long_literal_under_the_file_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.nt"
    path.write_text(
        '<http://example.org/s> <http://example.org/p> "' + "a" * (2 * 1024 * 1024) + '" .\n',
        encoding="utf-8",
    )
    assert "a literal of 2097152 characters is refused" in refused(path).stderr


@pytest.mark.parametrize("extension", ["ttl", "nt", "jsonld", "rdf"])
def test_invalid_utf8_is_refused(tmp_path: Path, extension: str) -> None:
    text = TAK_ZERO["ttl" if extension == "ttl" else extension].encode("utf-8")
    path = tmp_path / f"latin1.{extension}"
    path.write_bytes(text.replace(b"0", b"\xe9\xff", 1) if extension != "rdf" else text + b"\xff")
    result = refused(path)
    assert str(path) in result.stderr


def test_device_file_is_refused() -> None:
    assert "not a regular file" in refused("--input-format", "nt", "/dev/zero").stderr


def test_server_refuses_data_that_does_not_conform(tmp_path: Path) -> None:
    """``hairkg serve`` validates at start: a violation stops it, with the report printed."""
    extra = tmp_path / "zero.ttl"
    extra.write_text(ZERO_ANALYSED_TTL, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "hairkg", "serve", "--port", "0", "--data", str(extra)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "refusing to serve" in result.stderr
    assert "hkgsh:StudyShape-analysedCount (MinInclusive)" in result.stderr
    assert "listening on" not in result.stdout
    # the shipped graph's info results refuse nothing: counted in the summary, not listed
    assert "INFO:" not in result.stderr and "WARNING:" not in result.stderr
    assert "does NOT conform: 1 violation(s)" in result.stderr


#: The shipped studies (their IRIs' local names), each given a defect below.
STUDIES = (
    "ceccarelli-2018",
    "elmaadawi-2018",
    "fukuoka-2015",
    "gentile-2017",
    "krefft-trzciniecka-2024",
    "stevens-2018",
    "tak-2020",
    "zari-2021",
)


def _every_study_analysed_nobody(path: Path) -> Path:
    """An N-Triples file that breaks a shape once per shipped study, one line each."""
    path.write_text(
        "".join(
            f"<https://w3id.org/hairkg/resource/study-{name}> <{ANALYSED}> "
            '"0"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
            for name in STUDIES
        ),
        encoding="utf-8",
    )
    return path


def test_each_result_of_a_big_report_is_located_on_its_own_line(tmp_path: Path) -> None:
    from hairkg.validation import validate_files

    extra = _every_study_analysed_nobody(tmp_path / "zero.nt")
    outcome = validate_files([extra])
    located = {
        str(r.focus).rsplit("study-", 1)[1]: r.location
        for r in outcome.results
        if r.severity_name == "Violation"
    }
    assert located == {name: f"{extra}:{line}" for line, name in enumerate(STUDIES, start=1)}


@pytest.mark.parametrize(
    ("syntax", "wording"),
    [
        ("ttl", '"maintaining adequate treatment safety"'),
        ("ttl", '"maintaining adequate treatment safety"@de'),
        (
            "nt",
            '"maintaining adequate treatment safety"^^<http://www.w3.org/2001/XMLSchema#string>',
        ),
    ],
)
def test_a_literal_is_located_by_its_tag_and_datatype_too(
    tmp_path: Path, syntax: str, wording: str
) -> None:
    """The shipped file has the same words tagged @en: the result is the given file's line."""
    report = "https://w3id.org/hairkg/resource/ae-report-tak-2020"
    extra = tmp_path / f"wording.{syntax}"
    extra.write_text(
        f"<{report}> <https://w3id.org/hairkg/ontology/reportedWording> {wording} .\n",
        encoding="utf-8",
    )
    result = validate(extra, "--format", "json", "--min-severity", "violation")
    located = {
        r["sourceConstraintComponent"].rsplit("#", 1)[1]: r["location"]
        for r in json.loads(result.stdout)["results"]
    }
    assert located["LanguageInConstraintComponent"] == f"{extra}:1"


def test_a_built_store_validates_as_its_files_do(tmp_path: Path) -> None:
    """``hairkg serve`` validates the store it built (streamed into a store of its own)."""
    from hairkg.graph.loading import build_store, shipped_sources
    from hairkg.validation import ValidationData, validate_data, validate_files

    extra = _every_study_analysed_nobody(tmp_path / "zero.nt")
    from_files = validate_files([extra])
    sources = [source.path for source in shipped_sources()] + [extra]
    data = ValidationData.from_store(build_store([extra]), sources=sources)
    from_store = validate_data(data)
    assert from_store.counts == from_files.counts and from_store.counts["Violation"] == 8
    assert [r.key() for r in from_store.results] == [r.key() for r in from_files.results]
    assert [r.location for r in from_store.results] == [r.location for r in from_files.results]
    assert len(data) == from_store.triples == from_files.triples == len(data.triples)


def test_a_refusal_lists_the_first_violations_and_counts_the_rest_by_shape(
    tmp_path: Path,
) -> None:
    from hairkg.validation import validate_files
    from hairkg.validation.report import render_refusal

    outcome = validate_files([_every_study_analysed_nobody(tmp_path / "zero.nt")])
    assert outcome.counts["Info"]  # the shipped graph's own, which a refusal leaves out
    lines = render_refusal(outcome, nodes=3).splitlines()
    shown = [line for line in lines if line.startswith("  VIOLATION: ")]
    assert len(shown) == 3
    assert not [line for line in lines if line.startswith(("  INFO: ", "  WARNING: "))]
    rest = lines.index("… and 5 more violation(s) of 5 more node(s), by shape:")
    assert lines[rest + 1].split() == ["5", "hkgsh:StudyShape-analysedCount", "(MinInclusive)"]
    assert lines[rest + 2].startswith("(`hairkg validate --min-severity violation FILE…`")
    assert lines[-1].startswith("does NOT conform: 8 violation(s), ")
    # with room for every node, nothing is counted away
    assert "more violation(s)" not in render_refusal(outcome, nodes=8)


def test_format_with_an_input_syntax_overrides_the_extension(tmp_path: Path) -> None:
    """``--format`` names the report (text, json, turtle) or, for any other syntax, the input."""
    extra = tmp_path / "zero.txt"
    extra.write_text(TAK_ZERO["nt"], encoding="utf-8")
    result = validate(extra, "--format", "nt")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "hkgsh:StudyShape-analysedCount (MinInclusive)" in result.stdout


def test_format_names_are_checked(tmp_path: Path) -> None:
    extra = tmp_path / "zero.txt"
    extra.write_text(TAK_ZERO["nt"], encoding="utf-8")
    assert "unknown RDF format 'yaml'" in refused(extra, "--format", "yaml").stderr
    both = refused(extra, "--format", "nt", "--input-format", "nt")
    assert "use one" in both.stderr


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    extra = tmp_path / "bom.ttl"
    extra.write_bytes(b"\xef\xbb\xbf" + ZERO_ANALYSED_TTL.encode("utf-8"))
    result = validate(extra)
    assert result.returncode == 1, result.stderr  # parsed: the defect inside is found
    assert "hkgsh:StudyShape-analysedCount (MinInclusive)" in result.stdout


def test_file_size_limit_must_be_positive() -> None:
    result = validate("--max-file-mb", "-1")
    assert result.returncode == 2
    assert "must be at least 1" in result.stderr


def test_only_given_and_min_severity_filter_the_report(tmp_path: Path) -> None:
    extra = tmp_path / "extra.trig"
    extra.write_text(
        "@prefix ex: <http://example.org/> .\n"
        'ex:a ex:p [ ex:q "é" ] .\nex:g { ex:b ex:p _:x . _:x ex:q "x"@en . }\n',
        encoding="utf-8",
    )
    everything = json.loads(validate(extra, "--format", "json").stdout)
    given = json.loads(validate(extra, "--format", "json", "--only-given").stdout)
    assert given["results"] and len(given["results"]) < len(everything["results"])
    shipped = "https://w3id.org/hairkg/"
    assert not [r for r in given["results"] if r["focusNode"].startswith(shipped)]
    assert [r for r in everything["results"] if r["focusNode"].startswith(shipped)]
    arms = tmp_path / "arms.ttl"  # one warning: two arms of 20 in a study of 38
    arms.write_text(
        PREFIXES
        + "\nhkr:arm-tak-2020-adsc-ce hkg:armSize 20 .\nhkr:arm-tak-2020-vehicle hkg:armSize 20 .\n",
        encoding="utf-8",
    )
    assert "Info" in {r["severity"] for r in everything["results"]}
    worst = json.loads(validate(arms, "--format", "json", "--min-severity", "warning").stdout)
    assert [r["severity"] for r in worst["results"]] == ["Warning"]
    assert validate("--format", "turtle", "--only-given", extra).returncode == 2
