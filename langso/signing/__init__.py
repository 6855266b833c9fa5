"""PDF rendering in a bundled Times-compatible font, PAdES signatures with the commune's
organisation certificate, and their verification (docs/one-stop.md "Documents and
signatures")."""
