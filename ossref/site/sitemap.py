"""The sitemap's dates: each page's ``<lastmod>`` is the date the page shows as "Last updated".

MkDocs writes the day of the build as every page's ``<lastmod>``, which tells
search engines that every page changed at every build. ossref gives the
adapter one mapping instead, made here from its own resolved model (which has
every page, whether or not MkDocs renders it in this build): staged page path
-> the date :mod:`ossref.site.resolve` decided (front-matter ``updated``, else the
page's last git commit), the one the page itself prints. The sitemap is a
function of that mapping alone, so ``ossref serve``'s incremental rebuilds,
which do not read the front matter of unchanged pages, write the same
``sitemap.xml`` as a full build.

A page with no date (a generated page, or a page with neither ``updated`` nor
a commit) gets no ``<lastmod>``: the element is optional in the sitemaps.org
protocol, and the build's day would be a false claim of change.

``sitemap.xml.gz`` is written again from ``sitemap.xml`` by :func:`write_gzip`
with a gzip time stamp taken from those dates (MkDocs stamps it with the
build's day), so it too is the same in full and incremental builds.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ossref.site.resolve import Site

__all__ = ["Lastmod", "gzip_mtime", "lastmod_dates", "write_gzip"]

#: Staged page path (as under the staging folder, e.g. ``deep/gamma-lesion.md``)
#: -> the date the page shows as "Last updated".
Lastmod = Mapping[str, dt.date]


def lastmod_dates(site: Site) -> dict[str, dt.date]:
    """The :data:`Lastmod` of every page of ``site`` that shows a date."""
    # Here, not at the top: the MkDocs adapter imports this module for
    # write_gzip and has no use for the renderer.
    from ossref.site.render import staged_path

    return {staged_path(rp.page): rp.updated for rp in site.pages if rp.updated is not None}


def gzip_mtime(dates: Iterable[dt.date]) -> int:
    """The gzip header's time stamp for a sitemap listing ``dates``: the
    latest one, at midnight UTC, as MkDocs stamps it with its latest page
    date; 0 (RFC 1952: no time stamp) when there is none."""
    latest = max(dates, default=None)
    return calendar.timegm(latest.timetuple()) if latest is not None else 0


def write_gzip(xml: Path, mtime: int) -> None:
    """Write ``<xml>.gz``: the bytes of ``xml``, gzipped with time stamp
    ``mtime`` and the file name MkDocs puts in the header."""
    target = xml.with_name(xml.name + ".gz")
    data = xml.read_bytes()
    with open(target, "wb") as fh, gzip.GzipFile(fileobj=fh, filename=target.name, mode="wb", mtime=mtime) as gz:
        gz.write(data)
