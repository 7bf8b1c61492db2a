"""Vulnerability data: version comparison per ecosystem, OSV records, matching.

Pure code: no database, no network. Imports only the standard library and the
version and CVSS libraries (DESIGN.md, layering).
"""
