"""Package catalogers, one module per ecosystem. Each declares the files it needs
(`captures`) and turns the squashed filesystem into `PackageRecord`s, each attributed to the
layer of its database entry or manifest file."""

from __future__ import annotations

from app.analysis.catalogers.apk import ApkCataloger
from app.analysis.catalogers.base import CatalogContext, Cataloger
from app.analysis.catalogers.dpkg import DpkgCataloger
from app.analysis.catalogers.gem import GemCataloger
from app.analysis.catalogers.go import GoCataloger
from app.analysis.catalogers.java import JavaCataloger
from app.analysis.catalogers.npm import NpmCataloger
from app.analysis.catalogers.python import PythonCataloger
from app.analysis.catalogers.rpm import RpmCataloger


def default_catalogers() -> list[Cataloger]:
    return [DpkgCataloger(), ApkCataloger(), RpmCataloger(), PythonCataloger(), NpmCataloger(),
            GemCataloger(), JavaCataloger(), GoCataloger()]


__all__ = ["ApkCataloger", "CatalogContext", "Cataloger", "DpkgCataloger", "GemCataloger",
           "GoCataloger", "JavaCataloger", "NpmCataloger", "PythonCataloger", "RpmCataloger",
           "default_catalogers"]
