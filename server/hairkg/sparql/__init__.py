"""SPARQL machinery independent of the web layer: query checks, formats, engines."""
