"""Repository tooling (docs generation); not part of the published package."""
