"""Enumerate every URL route of the project with its path parameters, for walker tests."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "can-bo/cong-dan/<int:pk>/"
    name: str
    params: tuple[tuple[str, str], ...]  # (name, converter) pairs

    def fill(self, values: dict[str, object]) -> str:
        path = self.template
        for name, converter in self.params:
            path = path.replace(f"<{converter}:{name}>", str(values[name]))
            path = path.replace(f"<{name}>", str(values[name]))
        return "/" + path


def _converter_names(pattern: RoutePattern) -> tuple[tuple[str, str], ...]:
    import re

    found = re.findall(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>", str(pattern))
    return tuple((name, conv or "str") for conv, name in found)


def iter_routes(prefix: str = "", resolver: URLResolver | None = None,
                namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_routes(prefix + str(entry.pattern), entry, full_ns)
        elif isinstance(entry, URLPattern):
            template = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            params = _converter_names(entry.pattern) if isinstance(entry.pattern, RoutePattern) \
                else ()
            yield Route(template=template.lstrip("^").rstrip("$"), name=name,
                        params=tuple(params))
