"""The SPARQL 1.1 Service Description (at ``GET /sparql``) and the VoID description."""

from __future__ import annotations

from flask import Response, render_template, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from hairkg.formats import ALL_FORMATS, RDF_FORMATS
from hairkg.graph.vocab import HKG, graph_iri
from hairkg.namespaces import BASE_IRI, GRAPH_BASE, GRAPHS
from hairkg.service import Service
from hairkg.web import current_service, current_settings
from hairkg.web.http import maybe_gzip, text_response
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
    response.vary.add("Accept")
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
        response.vary.add("Accept")
        return response
    for prefix, namespace in default_prefixes.items():
        graph.bind(prefix, namespace, override=False)
    body = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    response = Response(body, content_type=fmt.content_type)
    response.vary.add("Accept")
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
    return _rdf_response(graph, {"hkg": str(HKG)}, "VoID description of hairkg")


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
