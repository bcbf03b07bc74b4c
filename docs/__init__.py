"""The documentation site's sources (MkDocs): the pages, and the build's Python helpers."""
