"""Print, as JSON, the GET routes run.py should try as public pages, and the demo data the
benchmark needs (commune slugs). Run with the same environment as the server under test.

A route is a candidate when it has no parameters, or only a commune ``slug`` (filled with
the first demo commune). run.py then requests each one anonymously from the real server and
keeps those answering 200 text/html: that is what "public page" means here.
"""

import json
import os
import sys
from pathlib import Path

# Not part of any page a citizen opens: the admin, the API (measured separately), health,
# the language switch (POST) and static files.
EXCLUDED_PREFIXES = ("quan-tri/", "api/", "healthz", "i18n/", "static/", "media/")


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from langso.core.models import Commune
    from langso.testing.urlwalk import iter_routes

    slugs = list(Commune.objects.active().order_by("pk").values_list("slug", flat=True))
    candidates, skipped = [], []
    for route in iter_routes():
        if route.template.startswith(EXCLUDED_PREFIXES):
            continue
        names = {name for name, _converter in route.params}
        if not names:
            candidates.append({"path": route.fill({}), "name": route.name})
        elif names == {"slug"} and slugs:
            candidates.append({"path": route.fill({"slug": slugs[0]}), "name": route.name})
        else:
            skipped.append({"template": "/" + route.template, "name": route.name})
    json.dump({"communes": slugs, "candidates": candidates, "skipped": skipped}, sys.stdout)


if __name__ == "__main__":
    main()
