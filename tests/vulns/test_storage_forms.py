"""What the catalog stores of a record reads back to the same record, and the keys it files
records under are the ones a package is looked up under."""

from pathlib import Path

from app.vulns.matcher import Distro, Package, lookup_names, record_keys
from app.vulns.osv import ImportReport, parse_record, read_dir, to_osv

PYPA = Path(__file__).resolve().parent.parent / "fixtures" / "osv" / "pypi"


def test_every_pypa_record_round_trips_through_to_osv():
    records = list(read_dir(PYPA, ImportReport()))
    assert len(records) == 141
    for record in records:
        assert parse_record(to_osv(record)) == record


def test_lookup_names_cover_record_keys():
    record = next(iter(read_dir(PYPA, ImportReport())))
    [(base, release, name)] = record_keys(record)
    assert (base, release) == ("PyPI", None)
    spelled = Package(name=name.upper().replace("-", "_"), version="0.0.1", type="python")
    assert lookup_names([spelled], None) == {("PyPI", name)}  # PEP 503 on both sides
    deb = Package(name="libssl3", version="3.0.11-1", type="dpkg", source="openssl")
    assert lookup_names([deb], Distro("debian", "12")) == {("Debian", "openssl"),
                                                            ("Debian", "libssl3")}
