"""Where an address is: one interface, an offline gazetteer by default and an HTTP
geocoder for production.

A new address typed at the desk has no coordinates. ``locate`` finds a point for it: the
configured geocoder first (``GEOCODER=http`` with ``GEOCODER_URL``, a Nominatim-style
search endpoint), then the gazetteer shipped in ``data/gazetteer.csv``: the centroid of
the address's postcode district or district, in a known city. A point from the gazetteer
is approximate (a district's middle), and is marked so.

``city_of`` names the city a point lies in (the nearest gazetteer city within
``CITY_RADIUS_KM``), so that suggestions never offer a London technician for a Shanghai
job, and never measure a drive between two cities' jobs as if they were neighbours.

The gazetteer: district centroids for the cities the company serves (Shanghai's sixteen
districts, London postcode districts), rounded to about 100 m. Each row is a fact anyone
can check on a map; add a city by adding its rows.
"""

from __future__ import annotations

import csv
import json
import math
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

GAZETTEER = Path(__file__).with_name("data") / "gazetteer.csv"
CITY_RADIUS_KM = 80.0
# How people write the cities' names on an address.
CITY_NAMES = {"shanghai": ("上海", "上海市", "shanghai"), "london": ("london", "伦敦")}


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    approximate: bool = False
    city: str | None = None


@dataclass(frozen=True)
class Entry:
    city: str
    country: str
    timezone: str
    district: str
    postcode: str
    latitude: float
    longitude: float


class Geocoder(Protocol):
    def locate(self, line1: str, district: str | None, city: str | None,
               postcode: str | None, country: str | None) -> Point | None: ...


def distance_km(a_lat: float, a_lng: float, b_lat: float, b_lng: float) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a_lat, a_lng, b_lat, b_lng))
    h = math.sin((lat2 - lat1) / 2) ** 2 + \
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    with GAZETTEER.open(encoding="utf-8") as f:
        return tuple(Entry(r["city"], r["country"], r["timezone"], r["district"],
                           r["postcode"], float(r["latitude"]), float(r["longitude"]))
                     for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def city_centres() -> dict[str, tuple[float, float]]:
    by_city: dict[str, list[Entry]] = {}
    for entry in entries():
        by_city.setdefault(entry.city, []).append(entry)
    return {city: (sum(e.latitude for e in rows) / len(rows),
                   sum(e.longitude for e in rows) / len(rows))
            for city, rows in by_city.items()}


def city_named(name: str | None) -> str | None:
    """The gazetteer's key for a city as written on an address ("上海市" → "shanghai")."""
    if not name:
        return None
    wanted = name.strip().lower()
    return next((key for key, names in CITY_NAMES.items() if wanted in names), None)


@lru_cache(maxsize=8192)
def city_of(latitude: float | None, longitude: float | None) -> str | None:
    """The known city a point lies in, or None when it is in none of them (remembered per
    point: the gazetteer does not change while the process runs, and the suggestions ask
    it for every technician's home on every ranking)."""
    if latitude is None or longitude is None:
        return None
    best = min(((distance_km(latitude, longitude, lat, lng), city)
                for city, (lat, lng) in city_centres().items()), default=None)
    return best[1] if best and best[0] <= CITY_RADIUS_KM else None


class Gazetteer:
    """Offline: the postcode district's or the district's centroid in a known city."""

    def locate(self, line1: str, district: str | None, city: str | None,
               postcode: str | None, country: str | None) -> Point | None:
        key = city_named(city)
        rows = [e for e in entries() if key is None or e.city == key]
        if postcode:
            outward = postcode.strip().upper().split()[0]
            match = next((e for e in rows if e.postcode.upper() == outward), None)
            if match is None and outward.isdigit():
                match = next((e for e in rows if e.postcode == outward), None)
            if match:
                return Point(match.latitude, match.longitude, True, match.city)
        if district:
            wanted = district.strip().lower()
            match = next((e for e in rows if e.district.lower() == wanted
                          or e.district.lower().rstrip("区") == wanted.rstrip("区")), None)
            if match:
                return Point(match.latitude, match.longitude, True, match.city)
        if key is not None:
            lat, lng = city_centres()[key]
            return Point(lat, lng, True, key)
        return None


class HttpGeocoder:
    """A Nominatim-style search endpoint (``GEOCODER_URL``): GET ?q=…&format=json&limit=1,
    answering ``[{"lat": "…", "lon": "…"}]``. Falls back to the gazetteer when it has no
    answer or cannot be reached, so a network failure never blocks taking a call."""

    def __init__(self, url: str, timeout: float = 3.0, fallback: Geocoder | None = None):
        self.url, self.timeout, self.fallback = url, timeout, fallback or Gazetteer()

    def locate(self, line1: str, district: str | None, city: str | None,
               postcode: str | None, country: str | None) -> Point | None:
        query = ", ".join(p for p in (line1, district, postcode, city, country) if p)
        address = f"{self.url}?{urllib.parse.urlencode({'q': query, 'format': 'json', 'limit': 1})}"
        try:
            request = urllib.request.Request(address, headers={"User-Agent": "Doorstep"})
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                found = json.load(response)
            if found:
                lat, lng = float(found[0]["lat"]), float(found[0]["lon"])
                return Point(lat, lng, False, city_of(lat, lng))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            pass
        return self.fallback.locate(line1, district, city, postcode, country)


def geocoder(config) -> Geocoder:
    """The geocoder the configuration asks for (``GEOCODER``: ``gazetteer`` or ``http``)."""
    if config.get("GEOCODER") == "http" and config.get("GEOCODER_URL"):
        return HttpGeocoder(config["GEOCODER_URL"])
    return Gazetteer()


def timezone_of(city: str | None) -> str | None:
    """The IANA time zone of a gazetteer city ("london" → "Europe/London")."""
    return next((e.timezone for e in entries() if e.city == city), None) if city else None
