"""The SPARQL 1.1 Service Description (at ``GET /sparql``) and the VoID description."""

from __future__ import annotations

from flask import Response, render_template, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

from hairkg.formats import ALL_FORMATS, RDF_FORMATS
from hairkg.graph.vocab import HKG, graph_iri
from hairkg.namespaces import BASE_IRI, GRAPH_BASE, GRAPHS
from hairkg.service import Service
from hairkg.web import current_service, current_settings
from hairkg.web.http import add_vary, maybe_gzip, text_response
from hairkg.web.negotiation import negotiate_rdf

__all__ = ["service_description_response", "void_response"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DATASET_IRI = URIRef(BASE_IRI + "dataset")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


def _graph_names(service: Service) -> list[str]:
    return [str(graph_iri(name)) for name in GRAPHS] + [
        name for name in service.graph_names if not name.startswith(GRAPH_BASE)
    ]


def _describe_service(service: Service, endpoint: str) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    node = URIRef(endpoint + "#service")
    graph.add((node, RDF.type, SD.Service))
    graph.add((node, SD.endpoint, URIRef(endpoint)))
    graph.add((node, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((node, SD.feature, SD.UnionDefaultGraph))
    for fmt in ALL_FORMATS:
        graph.add((node, SD.resultFormat, URIRef(fmt.sd_iri)))
    dataset = BNode("dataset")
    graph.add((node, SD.defaultDataset, dataset))
    # the VoID description: triples per graph, dumps with checksums, linksets per vocabulary
    void_document = URIRef(request.host_url.rstrip("/") + request.script_root + "/.well-known/void")
    graph.add((dataset, RDFS.seeAlso, void_document))
    graph.add((node, RDFS.seeAlso, void_document))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add(
        (
            default,
            DCTERMS.description,
            Literal(
                "The union of the named graphs (ontology, imports, data, mappings, inferred).",
                lang="en",
            ),
        )
    )
    graph.add((default, VOID.triples, Literal(service.stats.union_triples, datatype=XSD.integer)))
    for name in _graph_names(service):
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        short = name.rsplit("/", 1)[-1]
        count = service.stats.triples_per_graph.get(
            short, service.stats.triples_per_graph.get(name)
        )
        if count is not None:
            inner = BNode()
            graph.add((named, SD.graph, inner))
            graph.add((inner, RDF.type, SD.Graph))
            graph.add((inner, VOID.triples, Literal(count, datatype=XSD.integer)))
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(
                "Read-only SPARQL 1.1 endpoint of hairkg, a curated knowledge graph of evidence on "
                "regenerative hair-loss therapies. It describes evidence; it gives no medical advice.",
                lang="en",
            ),
        )
    )
    graph.add((node, DCTERMS.license, LICENSE))
    return graph


def _wants_html() -> bool:
    """A browser's request: text/html ranked above every RDF syntax (``*/*`` alone gets RDF)."""
    if request.args.get("format") or request.args.get("output"):
        return (request.args.get("format") or request.args.get("output")) == "html"
    offers = [f.media_type for f in RDF_FORMATS] + ["text/html"]
    return request.accept_mimetypes.best_match(offers) == "text/html"


def _html_response(graph: Graph, title: str) -> Response:
    from hairkg.web.links import local_path

    def show(node: object) -> dict[str, str | None]:
        text = str(node)
        if isinstance(node, URIRef):
            return {
                "text": graph.namespace_manager.normalizeUri(node),
                "href": local_path(text) or text,
            }
        if isinstance(node, BNode):
            return {"text": "_:" + text, "href": None}
        return {"text": text, "href": None}

    rows = [
        (show(s), show(p), show(o))
        for s, p, o in sorted(
            graph, key=lambda t: (isinstance(t[0], BNode), str(t[0]), str(t[1]), str(t[2]))
        )
    ]
    html = render_template("graph_table.html", title=title, rows=rows, formats=RDF_FORMATS)
    response = Response(html, content_type="text/html; charset=utf-8")
    add_vary(response, "Accept")
    return maybe_gzip(response, current_settings().gzip_min_bytes)


def _rdf_response(graph: Graph, default_prefixes: dict[str, str], title: str = "") -> Response:
    if title and _wants_html():
        for prefix, namespace in default_prefixes.items():
            graph.bind(prefix, namespace, override=False)
        return _html_response(graph, title)
    fmt = negotiate_rdf(
        request.headers.get("Accept"),
        request.args.get("format") or request.args.get("output"),
    )
    if fmt is None:
        response = text_response(
            406, "the description is available as " + ", ".join(f.media_type for f in RDF_FORMATS)
        )
        add_vary(response, "Accept")
        return response
    for prefix, namespace in default_prefixes.items():
        graph.bind(prefix, namespace, override=False)
    body = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    response = Response(body, content_type=fmt.content_type)
    add_vary(response, "Accept")
    settings = current_settings()
    response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    return maybe_gzip(response, settings.gzip_min_bytes)


def service_description_response(service: Service) -> Response:
    """The service description, with ``sd:endpoint`` the URL the client used."""
    return _rdf_response(
        _describe_service(service, request.base_url), {}, "SPARQL service description"
    )


def void_response() -> Response:
    """A VoID description of the dataset and its named graphs."""
    service = current_service()
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    endpoint = request.host_url.rstrip("/") + "/sparql"
    graph.add((DATASET_IRI, RDF.type, VOID.Dataset))
    graph.add((DATASET_IRI, DCTERMS.title, Literal("hairkg", lang="en")))
    graph.add(
        (
            DATASET_IRI,
            DCTERMS.description,
            Literal(
                "Curated knowledge graph of regenerative (stem-cell based) hair-loss therapies, the "
                "studies behind them, their limitations and the claims made about them, each with "
                "its source. Describes evidence; gives no medical advice.",
                lang="en",
            ),
        )
    )
    graph.add((DATASET_IRI, DCTERMS.license, LICENSE))
    graph.add((DATASET_IRI, VOID.sparqlEndpoint, URIRef(endpoint)))
    graph.add((DATASET_IRI, VOID.vocabulary, URIRef(str(HKG))))
    graph.add((DATASET_IRI, VOID.uriSpace, Literal(current_settings().base_iri + "resource/")))
    graph.add(
        (DATASET_IRI, VOID.triples, Literal(service.stats.union_triples, datatype=XSD.integer))
    )
    for name, count in service.stats.triples_per_graph.items():
        iri = URIRef(name) if "/" in name else graph_iri(name)
        subset = URIRef(f"{DATASET_IRI}/{name.rsplit('/', 1)[-1]}")
        graph.add((DATASET_IRI, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, DCTERMS.identifier, Literal(str(iri))))
        graph.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
    for index, (cls, count) in enumerate(service.stats.instances_per_class.items()):
        if not cls.startswith("hkg:"):
            continue
        partition = URIRef(f"{DATASET_IRI}/class/{index}")
        graph.add((DATASET_IRI, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], HKG[cls.split(":", 1)[1]]))
        graph.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    _add_distributions(graph)
    _add_linksets(graph)
    return _rdf_response(graph, {"hkg": str(HKG)}, "VoID description of hairkg")


def _sssom_prefixes() -> dict[str, str]:
    """The ``curie_map`` of the shipped SSSOM file (its YAML header)."""
    import yaml

    from hairkg.paths import bundled_dir

    path = bundled_dir("data") / "mappings" / "hairkg.sssom.tsv"
    header = [
        line[1:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    ]
    metadata = yaml.safe_load("\n".join(header)) or {}
    return {str(k): str(v) for k, v in (metadata.get("curie_map") or {}).items()}


def _add_linksets(graph: Graph) -> None:
    """One ``void:Linkset`` per external vocabulary of the mappings graph, with its links
    counted, and per mapping predicate a linkset inside it."""
    from hairkg.namespaces import prefix_converter
    from hairkg.web.describe import select

    prefixes = _sssom_prefixes()
    converter = prefix_converter(prefixes)
    counts: dict[str, dict[str, int]] = {}
    rows = select(
        f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPH_BASE}mappings> {{ ?s ?p ?o }} FILTER(isIRI(?o)) }}"
    )
    for row in rows:
        curie = converter.compress(str(row["o"]))
        if curie is None:
            continue
        prefix = curie.split(":", 1)[0]
        if prefixes.get(prefix, "").startswith(BASE_IRI):
            continue  # hairkg's own terms are not an external vocabulary
        per_predicate = counts.setdefault(prefix, {})
        per_predicate[str(row["p"])] = per_predicate.get(str(row["p"]), 0) + 1
    for prefix, per_predicate in sorted(counts.items()):
        linkset = URIRef(f"{DATASET_IRI}/linkset/{prefix}")
        target = URIRef(f"{DATASET_IRI}/vocabulary/{prefix}")
        graph.add((DATASET_IRI, VOID.subset, linkset))
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, DATASET_IRI))
        graph.add((linkset, VOID.objectsTarget, target))
        graph.add((target, RDF.type, VOID.Dataset))
        graph.add((target, VOID.uriSpace, Literal(prefixes[prefix])))
        graph.add((target, DCTERMS.title, Literal(prefix)))
        graph.add(
            (linkset, VOID.triples, Literal(sum(per_predicate.values()), datatype=XSD.integer))
        )
        for predicate, count in sorted(per_predicate.items()):
            part = URIRef(f"{linkset}/{predicate.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}")
            graph.add((linkset, VOID.subset, part))
            graph.add((part, RDF.type, VOID.Linkset))
            graph.add((part, VOID.linkPredicate, URIRef(predicate)))
            graph.add((part, VOID.subjectsTarget, DATASET_IRI))
            graph.add((part, VOID.objectsTarget, target))
            graph.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))


def _add_distributions(graph: Graph) -> None:
    """One ``void:dataDump`` and ``dcat:Distribution`` per download, with its checksum."""
    from hairkg.web.downloads import exports

    graph.bind("dcat", DCAT)
    graph.bind("spdx", SPDX)
    root = request.host_url.rstrip("/") + request.script_root
    graph.add((DATASET_IRI, RDF.type, DCAT.Dataset))
    files = [
        (d.path.name, d.format.media_type, d.size, d.statements, d.sha256)
        for d in exports().dumps()
    ] + [(e.name, e.media_type, e.size, e.statements, e.sha256) for e in exports().extras()]
    for name, media_type, size, statements, sha256 in files:
        url = URIRef(f"{root}/download/{name}")
        graph.add((DATASET_IRI, VOID.dataDump, url))
        distribution = URIRef(f"{DATASET_IRI}/distribution/{name}")
        graph.add((DATASET_IRI, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.downloadURL, url))
        graph.add(
            (
                distribution,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{media_type}"),
            )
        )
        graph.add((distribution, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        graph.add((distribution, VOID.triples, Literal(statements, datatype=XSD.integer)))
        checksum = BNode(f"checksum-{name}")
        graph.add((distribution, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))
